"""latm.commitTool: only toolbox/NAME/ is committed; the user's other work stays as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsp_support import add_tool, git
from pygls.exceptions import JsonRpcException


def user_state(root: Path) -> tuple[str, str, str]:
    """Staged patch, unstaged patch and untracked files outside the toolbox."""
    untracked = [line for line in git(root, "status", "--porcelain", "-uall").splitlines()
                 if line.startswith("??") and "toolbox/" not in line]
    return git(root, "diff", "--cached"), git(root, "diff"), "\n".join(untracked)


async def test_commit_only_the_tool_with_other_changes_present(repo, open_editor):
    add_tool(repo / "toolbox", "count_words")
    (repo / "README.md").write_text("readme, staged change\n")
    git(repo, "add", "README.md")
    (repo / "README.md").write_text("readme, staged change\nand an unstaged one on top\n")
    (repo / "notes.txt").write_text("notes, unstaged change\n")
    (repo / "scratch.py").write_text("print('untracked')\n")
    before = user_state(repo)
    head = git(repo, "rev-parse", "HEAD").strip()
    editor = await open_editor(repo)

    plan = await editor.command("latm.commitTool", {"name": "count_words", "dryRun": True})
    assert plan["dry_run"] is True
    tool_files = [f"toolbox/count_words/{f}" for f in ("test_tool.py", "tool.py", "tool.toml")]
    assert sorted(plan["files"]) == tool_files + ["toolbox/pytest.ini"]  # the ini: first commit only
    assert "4 files changed" in plan["diff_summary"]
    assert "count_words" in plan["message"] and "Verification: verified 9/9 on docker" in plan["message"]
    assert "Maker-Model:" in plan["message"]
    assert git(repo, "rev-parse", "HEAD").strip() == head and user_state(repo) == before  # a dry run changes nothing

    done = await editor.command("latm.commitTool", {"name": "count_words", "message": "Add the word counter"})
    assert done["commit"] == git(repo, "rev-parse", "HEAD").strip() != head
    assert git(repo, "log", "-1", "--format=%s").strip() == "Add the word counter"
    body = git(repo, "log", "-1", "--format=%B")
    assert "Tool: count_words" in body and "Verification: verified 9/9" in body
    committed = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert sorted(committed) == sorted(plan["files"])
    assert user_state(repo) == before  # staged, unstaged and untracked work untouched
    assert "toolbox/" not in git(repo, "status", "--porcelain", "-uall")  # the tool is clean now

    with pytest.raises(JsonRpcException) as caught:
        await editor.command("latm.commitTool", {"name": "count_words"})
    assert "Nothing to commit" in caught.value.message


async def test_commit_refuses_unverified_tool(repo, open_editor):
    add_tool(repo / "toolbox", "draft", verified=False)
    editor = await open_editor(repo)
    with pytest.raises(JsonRpcException) as caught:
        await editor.command("latm.commitTool", {"name": "draft", "dryRun": True})
    assert caught.value.code == -32803
    assert "not verified" in caught.value.message and "latm verify draft" in caught.value.message
    assert git(repo, "log", "--format=%s").split("\n")[0] == "start"


async def test_commit_refuses_a_folder_that_is_not_a_git_repository(root, open_editor):
    add_tool(root / "toolbox", "count_words")
    editor = await open_editor(root)
    with pytest.raises(JsonRpcException) as caught:
        await editor.command("latm.commitTool", {"name": "count_words"})
    assert "not in a git repository" in caught.value.message and "git init" in caught.value.message


async def test_second_tool_commits_its_folder_only(repo, open_editor):
    add_tool(repo / "toolbox", "count_words")
    editor = await open_editor(repo)
    await editor.command("latm.commitTool", {"name": "count_words"})
    add_tool(repo / "toolbox", "other_counter")
    (repo / "toolbox" / "count_words" / "notes.md").write_text("a file of the user's, not the tool's\n")
    await editor.command("latm.reloadToolbox", {})
    plan = await editor.command("latm.commitTool", {"name": "other_counter", "dryRun": True})
    assert sorted(plan["files"]) == [f"toolbox/other_counter/{f}" for f in ("test_tool.py", "tool.py", "tool.toml")]
    assert plan["message"].startswith("Add latm tool other_counter: Count the words of a sentence.")
