"""What a writer leaves in the toolbox when it dies is removed at the next start, and only that:
a live writer's staging folder stays (issue 16, item 16)."""

from __future__ import annotations

import json

from latm.toolbox import store
from toolbox_support import hidden_entries, latm, paused_writer


def tree(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_a_killed_writers_leftovers_are_removed_at_the_next_start(tmp_path, toolbox, tool_files):
    folder = store.write_tool(toolbox, tool_files())
    before = tree(folder)
    writer = paused_writer(toolbox)
    writer.kill()  # SIGKILL in the middle of the write step
    writer.wait()
    graveyard = toolbox / ".adder.del-k3j1x9" / "adder"  # a delete killed between its two steps
    graveyard.mkdir(parents=True)
    (graveyard / "tool.py").write_text("old\n")
    assert len(hidden_entries(toolbox)) == 2

    listed = latm("list", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith("adder ") and "broken" not in listed.stdout
    assert hidden_entries(toolbox) == []
    assert tree(folder) == before


def test_a_live_writers_staging_folder_is_kept_and_never_listed(tmp_path, toolbox, tool_files):
    store.write_tool(toolbox, tool_files())
    writer = paused_writer(toolbox)
    try:
        staging = hidden_entries(toolbox)
        assert len(staging) == 1 and staging[0].startswith(".adder.new-")
        listed = latm("list", "--json", cwd=tmp_path)
        assert [t["name"] for t in json.loads(listed.stdout)["tools"]] == ["adder"]
        assert ".adder" not in listed.stdout
        assert hidden_entries(toolbox) == staging  # its writer is alive: left alone
    finally:
        writer.stdin.write("go on\n")
        writer.stdin.flush()
    assert writer.stdout.readline() == "written\n" and writer.wait() == 0
    assert "second process" in (toolbox / "adder" / "tool.toml").read_text()
    assert hidden_entries(toolbox) == []


def test_writing_over_a_linked_tool_folder_replaces_the_link_and_leaves_nothing_behind(tmp_path, toolbox, tool_files):
    outside = store.write_tool(tmp_path / "outside", tool_files())
    before = tree(outside)
    store.write_tool(toolbox, tool_files(name="other"))
    (toolbox / "adder").symlink_to(outside)
    store.write_tool(toolbox, tool_files(summary="A real folder now."))
    assert not (toolbox / "adder").is_symlink() and "A real folder now." in (toolbox / "adder" / "tool.toml").read_text()
    assert tree(outside) == before
    assert hidden_entries(toolbox) == []
