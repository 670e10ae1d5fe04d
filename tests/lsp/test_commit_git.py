"""Committing a tool (the function behind ``latm.commitTool``) against real git repositories:
the repository's in-progress state, nested repositories and hostile configuration."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import pytest
from lsp_support import add_tool, git

from latm import commit
from latm.commit import CommitError
from latm.settings import Settings
from latm.workspace import Workspace


def workspace(root: Path, **settings: str) -> Workspace:
    return Workspace(root, dataclasses.replace(Settings(), **settings))


def try_git(root: Path, *args: str) -> None:
    """A git command that stops on a conflict (exit status 1 is what the test wants)."""
    subprocess.run(["git", *args], cwd=root, capture_output=True, env={"GIT_EDITOR": "true", "PATH": "/usr/bin:/bin"})


def diverged(root: Path) -> None:
    """Branch ``other`` and ``main`` both change README.md (and ``other`` adds a file)."""
    git(root, "checkout", "-qb", "other")
    (root / "README.md").write_text("theirs\n")
    (root / "added_there.txt").write_text("new on other\n")
    git(root, "add", "README.md", "added_there.txt")
    git(root, "commit", "-qm", "theirs")
    git(root, "checkout", "-q", "main")
    (root / "README.md").write_text("ours\n")
    git(root, "commit", "-qam", "ours")


def merging(root: Path) -> None:
    diverged(root)
    try_git(root, "merge", "other")


def cherry_picking(root: Path) -> None:
    diverged(root)
    try_git(root, "cherry-pick", "other")


def reverting(root: Path) -> None:
    for text in ("second\n", "third\n"):
        (root / "README.md").write_text(text)
        git(root, "commit", "-qam", text.strip())
    try_git(root, "revert", "HEAD~1")


def rebasing(root: Path) -> None:
    diverged(root)
    try_git(root, "rebase", "other")


def bisecting(root: Path) -> None:
    diverged(root)
    git(root, "bisect", "start", "main", "main~1")


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of the work tree and of .git (objects aside): the user's whole state."""
    objects = root / ".git" / "objects"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.is_relative_to(objects)}


@pytest.mark.parametrize("enter, state, remedy, marker", [
    (merging, "a merge", "git merge --abort", "MERGE_HEAD"),
    (cherry_picking, "a cherry-pick", "git cherry-pick --abort", "CHERRY_PICK_HEAD"),
    (reverting, "a revert", "git revert --abort", "REVERT_HEAD"),
    (rebasing, "a rebase", "git rebase --abort", "rebase-merge"),
    (bisecting, "a bisect", "git bisect reset", "BISECT_LOG"),
], ids=["merge", "cherry-pick", "revert", "rebase", "bisect"])
def test_an_operation_in_progress_is_refused_and_left_exactly_as_it_was(repo, enter, state, remedy, marker):
    enter(repo)
    assert (repo / ".git" / marker).exists()  # the operation really is in progress
    add_tool(repo / "toolbox", "count_words")
    ws = workspace(repo)
    before = snapshot(repo)
    for attempt in (commit.plan_commit, commit.commit_tool):
        with pytest.raises(CommitError) as caught:
            attempt(ws, "count_words")
        said = str(caught.value)
        assert f"{state} is in progress" in said and remedy in said and "then commit the tool" in said, said
        assert snapshot(repo) == before  # HEAD, refs, index, state files and work tree untouched


def test_after_the_merge_is_aborted_the_tool_commits_with_one_parent(repo):
    merging(repo)
    add_tool(repo / "toolbox", "count_words")
    ws = workspace(repo)
    with pytest.raises(CommitError):
        commit.commit_tool(ws, "count_words")
    git(repo, "merge", "--abort")
    head = git(repo, "rev-parse", "HEAD").strip()
    done = commit.commit_tool(ws, "count_words")
    assert git(repo, "rev-list", "--parents", "-n1", "HEAD").split() == [done.commit, head]
    assert git(repo, "log", "-1", "--format=%an").strip() == "Dev"


def hostile_script(folder: Path, name: str, ran: Path) -> Path:
    """An executable that records that it ran (and passes stdin through, as a filter would)."""
    script = folder / name
    script.write_text(f"#!/bin/sh\necho {name} >> {ran}\ncat\n")
    script.chmod(0o755)
    return script


def test_a_tool_folder_with_its_own_git_repository_is_refused(repo, tmp_path):
    ran = tmp_path / "ran.txt"
    add_tool(repo / "toolbox", "count_words")
    folder = repo / "toolbox" / "count_words"
    git(folder, "init", "-q")
    git(folder, "config", "user.email", "nested@example.com")
    git(folder, "config", "user.name", "Nested")
    git(folder, "config", "core.fsmonitor", str(hostile_script(tmp_path, "nested-fsmonitor", ran)))
    head = git(repo, "rev-parse", "HEAD")
    with pytest.raises(CommitError) as caught:
        commit.commit_tool(workspace(repo), "count_words")
    assert "is a git repository of its own" in str(caught.value) and str(folder) in str(caught.value)
    assert not ran.exists()  # the nested repository's configuration never ran
    assert git(repo, "rev-parse", "HEAD") == head
    assert subprocess.run(["git", "rev-parse", "-q", "--verify", "HEAD"], cwd=folder).returncode != 0  # no commit there


def test_a_git_file_in_the_toolbox_folder_is_refused_too(repo, tmp_path):
    add_tool(repo / "toolbox", "count_words")
    (repo / "toolbox" / ".git").write_text(f"gitdir: {tmp_path / 'elsewhere.git'}\n")  # as a submodule has
    with pytest.raises(CommitError) as caught:
        commit.commit_tool(workspace(repo), "count_words")
    assert "is a git repository of its own" in str(caught.value) and str(repo / "toolbox") in str(caught.value)


def test_a_toolbox_outside_the_workspace_repository_is_refused(repo, tmp_path):
    other = tmp_path / "other_repo"
    other.mkdir()
    git(other, "init", "-q")
    add_tool(other / "tools", "count_words")
    head = git(repo, "rev-parse", "HEAD")
    with pytest.raises(CommitError) as caught:
        commit.commit_tool(workspace(repo, toolbox=str(other / "tools")), "count_words")
    assert "outside the repository" in str(caught.value) and str(repo) in str(caught.value)
    assert git(repo, "rev-parse", "HEAD") == head


def test_hooks_fsmonitor_filters_and_signing_in_the_repository_config_never_run(repo, tmp_path):
    ran = tmp_path / "ran.txt"
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    names = ("pre-commit", "prepare-commit-msg", "commit-msg", "post-commit", "reference-transaction",
             "post-index-change")
    for name in names:
        hostile_script(hooks, name, ran)
        hostile_script(repo / ".git" / "hooks", name, ran)
    for key, value in [("core.hooksPath", str(hooks)),
                       ("core.fsmonitor", str(hostile_script(tmp_path, "fsmonitor", ran))),
                       ("filter.evil.clean", str(hostile_script(tmp_path, "clean-filter", ran))),
                       ("commit.gpgSign", "true"),
                       ("gpg.program", str(hostile_script(tmp_path, "gpg", ran)))]:
        git(repo, "config", key, value)
    (repo / ".gitattributes").write_text("*.py filter=evil\n*.toml filter=evil\n")
    add_tool(repo / "toolbox", "count_words")
    head = git(repo, "rev-parse", "HEAD").strip()

    done = commit.commit_tool(workspace(repo), "count_words")

    assert not ran.exists(), ran.read_text()  # no hook, fsmonitor, filter or signing program ran
    assert git(repo, "rev-parse", "HEAD").strip() == done.commit != head
    assert git(repo, "rev-parse", "HEAD^").strip() == head
    code = (repo / "toolbox" / "count_words" / "tool.py").read_text()
    assert git(repo, "show", "HEAD:toolbox/count_words/tool.py") == code  # committed as on disk, unfiltered
    assert "gpgsig" not in git(repo, "cat-file", "commit", "HEAD")
    assert git(repo, "ls-files", "-s", "toolbox/count_words/tool.py").split()[1] == \
        git(repo, "rev-parse", "HEAD:toolbox/count_words/tool.py").strip()  # the real index follows HEAD
