"""Committing one tool to git, and nothing else of the user's work.

The repository is the one the workspace root is in. The commit is built with plumbing: a
temporary index that starts from ``HEAD`` gets only the tool's files (plus the toolbox's
``pytest.ini`` while it was never committed: the tool's tests need it to run under pytest),
``write-tree`` and ``commit-tree`` make the commit and ``update-ref`` moves ``HEAD`` only if it
still is what was read. So whatever the user has staged or changed elsewhere is neither committed
nor disturbed, and no in-progress merge, cherry-pick or rebase state is read. Afterwards the real
index entries of the tool's files are set to the new ``HEAD``; every other entry stays as it was.

Refused: a merge, cherry-pick, revert, rebase or bisect in progress (finish it first); a tool
folder outside the repository or inside a repository of its own (a ``.git`` below the root).
No git hook, fsmonitor, clean filter or signing program runs: each is a command a tool, a
pull request or a tampered ``.git/config`` could have put there (``latm.safe_git``).
"""

from __future__ import annotations

import os
import stat
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union

from latm.errors import LatmError
from latm.safe_git import GitMissing, run_git
from latm.toolbox.names import validate_name
from latm.toolbox.registry import Tool
from latm.toolbox.report import verification_text
from latm.workspace import Workspace

TOOL_FILES = ("tool.py", "tool.toml", "test_tool.py")
PYTEST_INI = "pytest.ini"  # written by the store beside the tool folders
# (file in the git folder, what is in progress, how to end it)
IN_PROGRESS = (
    ("MERGE_HEAD", "a merge", "`git commit` to conclude it or `git merge --abort`"),
    ("CHERRY_PICK_HEAD", "a cherry-pick", "`git cherry-pick --continue` or `git cherry-pick --abort`"),
    ("REVERT_HEAD", "a revert", "`git revert --continue` or `git revert --abort`"),
    ("rebase-merge", "a rebase", "`git rebase --continue` or `git rebase --abort`"),
    ("rebase-apply", "a rebase or `git am`", "`git rebase --abort` or `git am --abort`"),
    ("BISECT_LOG", "a bisect", "`git bisect reset`"),
    ("sequencer", "a cherry-pick or revert of several commits", "`git cherry-pick --abort` or `git revert --abort`"),
)


class CommitError(LatmError):
    """The tool cannot be committed (not verified, not a git repository, git refused)."""


@dataclass(frozen=True)
class CommitPlan:
    files: list[str]  # paths relative to the repository root
    diff_summary: str  # e.g. "3 files changed, 120 insertions(+)"
    message: str
    changes: list[dict] = field(default_factory=list)  # {"status": "A"|"M"|"D", "path": ...}


@dataclass(frozen=True)
class Committed:
    commit: str
    plan: CommitPlan


def plan_commit(ws: Workspace, name: str, message: Optional[str] = None) -> CommitPlan:
    """What ``commit_tool`` would commit; changes nothing."""
    tool = _committable(ws, name)
    with _ToolIndex(ws.root, tool) as index:
        return index.plan(_message(tool, message, index.existed))


def commit_tool(ws: Workspace, name: str, message: Optional[str] = None) -> Committed:
    tool = _committable(ws, name)
    with _ToolIndex(ws.root, tool) as index:
        plan = index.plan(_message(tool, message, index.existed))
        commit = index.commit(plan.message)
    return Committed(commit, plan)


@dataclass(frozen=True)
class Removed:
    """A tool whose folder is gone from the toolbox (``latm prune``, delete): its removal is committed."""

    name: str
    path: Path


def _committable(ws: Workspace, name: str) -> Union[Tool, Removed]:
    folder = ws.toolbox_dir / validate_name(name)
    if not os.path.lexists(folder):
        return Removed(name, folder)
    tool = ws.registry.get(name)
    if not tool.verified:
        raise CommitError(
            f"Tool '{name}' is not verified ({verification_text(tool)}); only a verified tool is committed. "
            f"Run `latm verify {name}` first."
        )
    return tool


def _message(tool: Union[Tool, Removed], subject: Optional[str], existed: bool) -> str:
    if isinstance(tool, Removed):
        return f"{(subject or '').strip() or f'Remove latm tool {tool.name}'}\n\nTool: {tool.name}\nRemoved from the toolbox.\n"
    m = tool.manifest
    subject = (subject or "").strip() or f"{'Update' if existed else 'Add'} latm tool {m.name}: {m.summary}"
    maker = m.provenance.maker_model or f"none ({m.provenance.origin})"
    when = f" at {m.verification.verified_at}" if m.verification.verified_at else ""
    version = f"{m.version}" + (f" ({m.history[-1].reason})" if m.history else "")
    return (f"{subject}\n\nTool: {m.name}\nVersion: {version}\nMaker-Model: {maker}\n"
            f"Verification: {verification_text(tool)}{when}\n")


class _Git:
    """git in the repository ``top``, with ``latm.safe_git``'s configuration."""

    def __init__(self, top: Path, index_file: Optional[Path] = None) -> None:
        self.top = top
        self.env = {**os.environ, "GIT_INDEX_FILE": str(index_file)} if index_file else None

    def __call__(self, *args: str, stdin: Optional[str] = None, check: bool = True) -> str:
        done = _git(self.top, args, self.env, stdin)
        if check and done.returncode != 0:
            raise CommitError(f"git {args[0]} failed: {(done.stderr or done.stdout).strip()}")
        return done.stdout


def _git(cwd: Path, args: tuple, env: Optional[dict] = None, stdin: Optional[str] = None) -> subprocess.CompletedProcess:
    try:
        return run_git(cwd, args, env, stdin)
    except GitMissing as err:
        raise CommitError(f"{err} It is needed to commit a tool.") from None


def repository(root: Path) -> Path:
    """The top of the git repository the workspace root is in."""
    done = _git(root, ("rev-parse", "--show-toplevel"))
    if done.returncode != 0:
        raise CommitError(f"{root} is not in a git repository; run `git init` there to commit tools.")
    return Path(done.stdout.strip()).resolve()


def _check_folder(top: Path, folder: Path) -> str:
    """The tool folder's path in the repository; refused outside it or inside a nested repository."""
    real = folder.resolve()
    if not real.is_relative_to(top):
        raise CommitError(f"The tool folder {folder} is outside the repository {top} of the workspace; "
                          "latm commits tools only into the workspace's own repository.")
    for inner in [real, *real.parents]:
        if inner == top:
            break
        if os.path.lexists(inner / ".git"):
            raise CommitError(f"{inner} is a git repository of its own (it has .git); latm commits tools only "
                              f"into the workspace's repository {top}. Move the tool out of it.")
    return real.relative_to(top).as_posix()


def _check_idle(git: _Git) -> None:
    """Refuse while an operation is stopped half-way: a commit now would mix into it."""
    folder = Path(git("rev-parse", "--absolute-git-dir").strip())
    for name, what, how in IN_PROGRESS:
        if os.path.lexists(folder / name):
            raise CommitError(f"Cannot commit the tool: {what} is in progress in {git.top} ({name}); "
                              f"finish it with {how}, then commit the tool.")


class _ToolIndex:
    """A temporary git index holding ``HEAD`` plus the tool's files as they are on disk."""

    def __init__(self, root: Path, tool: Union[Tool, Removed]) -> None:
        self.top = repository(root)
        self.rel = _check_folder(self.top, tool.path)
        self.git = _Git(self.top)
        _check_idle(self.git)
        self.head = self.git("rev-parse", "--verify", "-q", "HEAD", check=False).strip() or None
        self.existed = False
        self.paths: list[str] = []
        self._tmp = tempfile.TemporaryDirectory(prefix="latm-commit-")
        self.staged = _Git(self.top, Path(self._tmp.name) / "index")

    def __enter__(self) -> "_ToolIndex":
        self.staged("read-tree", *([self.head] if self.head else ["--empty"]))
        if self.head:
            self.existed = bool(self.git("ls-tree", "--name-only", self.head, "--", self.rel + "/").strip())
        tracked = [p for p in self.staged("ls-files", "-z", "--", self.rel).split("\0") if p]
        paths = sorted({f"{self.rel}/{name}" for name in TOOL_FILES} | set(tracked))
        ini = f"{Path(self.rel).parent.as_posix()}/{PYTEST_INI}"
        if not self.staged("ls-files", "--", ini).strip():
            paths.append(ini)  # never committed yet: the tool's tests need it to run under pytest
        present = [p for p in paths if os.path.lexists(self.top / p)]
        self.paths = [p for p in paths if p in present or p in tracked]
        self._stage(present, [p for p in tracked if p not in present])
        return self

    def __exit__(self, *exc: object) -> None:
        self._tmp.cleanup()

    def _stage(self, present: list[str], removed: list[str]) -> None:
        """Exactly these files as they are on disk (no clean filter runs), and these deletions."""
        modes = [_mode(self.top / p) for p in present]
        if present:
            blobs = self.git("hash-object", "-w", "--no-filters", "--", *present).split()
            self.staged("update-index", "--index-info",
                        stdin="".join(f"{m} {b}\t{p}\n" for m, b, p in zip(modes, blobs, present)))
        if removed:
            self.staged("update-index", "--force-remove", "--", *removed)

    def plan(self, message: str) -> CommitPlan:
        base = self.head or self._empty_tree()
        status = self.staged("diff-index", "--cached", "--name-status", "--no-renames", base, "--", *self.paths)
        changes = [{"status": line[0], "path": line.split("\t", 1)[1]} for line in status.splitlines() if "\t" in line]
        if not changes:
            raise CommitError(f"Nothing to commit: {self.rel} is committed as it is on disk.")
        summary = self.staged("diff-index", "--cached", "--shortstat", base, "--", *self.paths).strip()
        return CommitPlan([c["path"] for c in changes], summary, message, changes)

    def commit(self, message: str) -> str:
        tree = self.staged("write-tree").strip()
        parents = ["-p", self.head] if self.head else []
        commit = self.git("commit-tree", "--no-gpg-sign", tree, *parents, stdin=message).strip()
        subject = message.splitlines()[0]
        # Moves HEAD (its branch) only if it is still what was read: a commit made meanwhile is kept.
        self.git("update-ref", "-m", f"commit (latm): {subject}", "HEAD", commit, self.head or "")
        self._sync_real_index(commit)
        return commit

    def _sync_real_index(self, commit: str) -> None:
        """The real index: the tool's entries follow the new HEAD; all others stay as they were."""
        entries = self.git("ls-tree", "-r", "--full-tree", commit, "--", *self.paths)
        kept = {line.split("\t", 1)[1] for line in entries.splitlines()}
        try:
            self.git("update-index", "--index-info", stdin=entries)
            gone = [p for p in self.paths if p not in kept]
            if gone:
                self.git("update-index", "--force-remove", "--", *gone)
        except CommitError as err:
            raise CommitError(f"Committed {commit[:12]}, but the index could not be updated ({err}); "
                              f"run `git reset -q -- {self.rel}` to match it to the commit.") from None

    def _empty_tree(self) -> str:
        return self.git("hash-object", "-t", "tree", "/dev/null").strip()


def _mode(path: Path) -> str:
    info = path.lstat()
    if not stat.S_ISREG(info.st_mode):
        raise CommitError(f"{path} is not a regular file (a link, folder or device); latm commits only regular files.")
    return "100755" if info.st_mode & stat.S_IXUSR else "100644"
