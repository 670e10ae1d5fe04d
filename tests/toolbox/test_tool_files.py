"""A tool folder, or a file in it, that is a link or not a regular file is a broken tool: latm never
reads through it and never writes what is behind it into the repository (issue 16, item 3)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from latm.errors import ToolboxError
from latm.toolbox import store
from toolbox_support import hidden_entries, latm

KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA-tool-files-test-key\n"
ENV_SECRET = "sk-environ-tool-files-test-51c0"
HOSTILE = {  # tool name: what the diagnostic says
    "linked_code": "tool.py is a symbolic link",
    "environ_code": "tool.py is a symbolic link",
    "linked_toml": "tool.toml is a symbolic link",
    "linked_tests": "test_tool.py is a symbolic link",
    "linked_extra": "notes.txt is a symbolic link",
    "linked_folder": "is a symbolic link",
    "fifo_code": "tool.py is a fifo",
    "folder_code": "tool.py is a folder",
}


def hostile_project(tmp_path: Path, make_files) -> tuple[Path, Path]:
    """A project whose toolbox holds one good tool and one tool per way of pointing elsewhere;
    outside it, a private key and a valid tool folder to point at."""
    root, outside = tmp_path / "project", tmp_path / "outside"
    toolbox = root / "toolbox"
    key = outside / "id_ed25519"
    outside.mkdir()
    key.write_text(KEY)
    key.chmod(0o600)
    for name in HOSTILE:
        store.write_tool(toolbox, make_files(name=name))
    store.write_tool(toolbox, make_files(name="adder"))
    relink(toolbox / "linked_code" / "tool.py", key)
    relink(toolbox / "environ_code" / "tool.py", Path("/proc/self/environ"))
    relink(toolbox / "linked_tests" / "test_tool.py", key)
    (toolbox / "linked_extra" / "notes.txt").symlink_to(key)
    # Valid files and folders outside: only the link makes them wrong.
    elsewhere = store.write_tool(outside / "tools", make_files(name="linked_toml")) / "tool.toml"
    relink(toolbox / "linked_toml" / "tool.toml", elsewhere)
    store.delete_tool(toolbox, "linked_folder")
    (toolbox / "linked_folder").symlink_to(store.write_tool(outside / "tools", make_files(name="linked_folder")))
    (toolbox / "fifo_code" / "tool.py").unlink()
    os.mkfifo(toolbox / "fifo_code" / "tool.py")
    (toolbox / "folder_code" / "tool.py").unlink()
    (toolbox / "folder_code" / "tool.py").mkdir()
    return root, outside


def relink(path: Path, target: Path) -> None:
    path.unlink()
    path.symlink_to(target)


def links_and_specials(root: Path) -> dict[str, str]:
    """Every link (with its target) and special file under ``root``, found without following links."""
    found = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                found[str(path)] = os.readlink(path)
            elif stat.S_ISFIFO(mode):
                found[str(path)] = "fifo"
    return found


def regular_file_bytes(root: Path) -> bytes:
    """The bytes of every regular file under ``root``, read without following links."""
    chunks = []
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            if stat.S_ISREG(path.lstat().st_mode):
                chunks.append(path.read_bytes())
    return b"\n".join(chunks)


def test_links_and_special_files_make_a_tool_broken_and_are_never_read(tmp_path, tool_files):
    root, _outside = hostile_project(tmp_path, tool_files)
    run = latm("check", "--json", cwd=root, timeout=60)  # a fifo read would hang until the timeout
    data = json.loads(run.stdout)
    assert run.returncode == 1, run.stderr
    assert data["tools"] == ["adder"]
    assert data["broken"] == sorted(HOSTILE)
    messages = {name: [p["message"] for p in data["problems"] if f"/toolbox/{name}" in p["path"]] for name in HOSTILE}
    for name, says in HOSTILE.items():
        assert any(says in m for m in messages[name]), (name, messages[name])
    assert "BEGIN OPENSSH" not in run.stdout + run.stderr

    listed = latm("list", cwd=root, timeout=60)
    assert listed.returncode == 0 and listed.stdout.startswith("adder ")
    assert f"({len(HOSTILE)} broken: " in listed.stdout


def test_verify_never_copies_what_a_link_points_at_into_the_repository(tmp_path, tool_files):
    root, outside = hostile_project(tmp_path, tool_files)
    before = links_and_specials(root)
    outside_before = regular_file_bytes(outside)
    run = latm("verify", cwd=root, env={"LATM_SANDBOX": "process", "TOOL_FILES_TEST_SECRET": ENV_SECRET})
    assert run.returncode == 1, run.stderr
    lines = run.stdout.splitlines()
    assert "adder: 9/9 ok" in lines
    for name, says in HOSTILE.items():
        assert any(line.startswith(f"{name}: not verified: ") and says in line for line in lines), (name, run.stdout)
    written = regular_file_bytes(root)
    assert KEY.encode() not in written and ENV_SECRET.encode() not in written
    assert links_and_specials(root) == before  # every link and fifo is still there, untouched
    assert regular_file_bytes(outside) == outside_before
    assert hidden_entries(root / "toolbox") == []


def test_a_toolbox_folder_that_is_a_link_is_refused(tmp_path, tool_files):
    root, outside = tmp_path / "project", tmp_path / "outside"
    store.write_tool(outside / "tools", tool_files(name="adder"))
    root.mkdir()
    (root / "toolbox").symlink_to(outside / "tools")
    before = regular_file_bytes(outside)

    run = latm("check", "--json", cwd=root)
    data = json.loads(run.stdout)
    assert run.returncode == 1 and data["tools"] == [] and data["ok"] is False
    assert any("toolbox" in p["path"] and "symbolic link" in p["message"] for p in data["problems"]), data

    with pytest.raises(ToolboxError, match="symbolic link"):
        store.write_tool(root / "toolbox", tool_files(name="other"))
    with pytest.raises(ToolboxError, match="symbolic link"):
        store.delete_tool(root / "toolbox", "adder")
    assert regular_file_bytes(outside) == before
    assert sorted(p.name for p in (outside / "tools").iterdir()) == ["adder", "pytest.ini"]


def test_a_toolbox_that_is_a_loop_of_links_is_refused_in_one_line(tmp_path, tool_files):
    """A committed ``toolbox -> toolbox``: Python's path resolution raises on the loop; every
    command must still say what is wrong instead of ending in a traceback."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "toolbox").symlink_to("toolbox")
    run = latm("check", "--json", cwd=root)
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    data = json.loads(run.stdout)
    assert data["tools"] == [] and any("loop of symbolic links" in p["message"] for p in data["problems"]), data
    listed = latm("list", cwd=root)
    assert listed.returncode == 0 and "Traceback" not in listed.stderr, listed.stderr
    with pytest.raises(ToolboxError, match="symbolic link"):
        store.write_tool(root / "toolbox", tool_files(name="adder"))
