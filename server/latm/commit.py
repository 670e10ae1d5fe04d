"""Committing one tool to git, and nothing else of the user's work.

The commit is built in a temporary index that starts from ``HEAD`` and gets only the tool's
files (plus the toolbox's ``pytest.ini`` while it was never committed: the tool's tests need it
to run under pytest), so whatever the user has staged or changed elsewhere is neither committed nor disturbed.
Afterwards the real index entries of the tool's files are set to the new ``HEAD``; every other
entry of the real index stays exactly as it was. Hooks run as for any ``git commit``.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union

from latm.errors import LatmError
from latm.toolbox.names import validate_name
from latm.toolbox.registry import Tool
from latm.toolbox.report import verification_text
from latm.workspace import Workspace

TOOL_FILES = ("tool.py", "tool.toml", "test_tool.py")
PYTEST_INI = "pytest.ini"  # written by the store beside the tool folders


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
    with _ToolIndex(tool) as index:
        return index.plan(_message(tool, message, index.existed))


def commit_tool(ws: Workspace, name: str, message: Optional[str] = None) -> Committed:
    tool = _committable(ws, name)
    with _ToolIndex(tool) as index:
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


class _ToolIndex:
    """A temporary git index holding ``HEAD`` plus the tool's files as they are on disk."""

    def __init__(self, tool: Union[Tool, Removed]) -> None:
        self.folder = tool.path
        self.top = Path(self._git_top(tool.path.parent))
        self.rel = self.folder.resolve().relative_to(self.top.resolve()).as_posix()
        self.head = self._run("rev-parse", "--verify", "-q", "HEAD", check=False).strip() or None
        self.existed = False
        self.paths: list[str] = []
        self._tmp = tempfile.TemporaryDirectory(prefix="latm-commit-")
        self.env = {**os.environ, "GIT_INDEX_FILE": str(Path(self._tmp.name) / "index")}

    def __enter__(self) -> "_ToolIndex":
        self._run("read-tree", *([self.head] if self.head else ["--empty"]), env=self.env)
        if self.head:
            self.existed = bool(self._run("ls-tree", "--name-only", self.head, "--", self.rel + "/").strip())
        tracked = [p for p in self._run("ls-files", "-z", "--", self.rel, env=self.env).split("\0") if p]
        paths = sorted({f"{self.rel}/{name}" for name in TOOL_FILES} | set(tracked))
        ini = f"{Path(self.rel).parent.as_posix()}/{PYTEST_INI}"
        if not self._run("ls-files", "--", ini, env=self.env).strip():
            paths.append(ini)  # never committed yet: the tool's tests need it to run under pytest
        # -A stages additions, changes and deletions of exactly these paths (ignored files too: -f).
        self.paths = [p for p in paths if (self.top / p).exists() or p in tracked]
        self._run("add", "-A", "-f", "--", *self.paths, env=self.env)
        return self

    def __exit__(self, *exc: object) -> None:
        self._tmp.cleanup()

    def plan(self, message: str) -> CommitPlan:
        base = self.head or self._empty_tree()
        status = self._run("diff", "--cached", "--name-status", "--no-renames", base, "--", *self.paths, env=self.env)
        changes = [{"status": line[0], "path": line.split("\t", 1)[1]} for line in status.splitlines() if "\t" in line]
        if not changes:
            raise CommitError(f"Nothing to commit: {self.rel} is committed as it is on disk.")
        summary = self._run("diff", "--cached", "--shortstat", base, "--", *self.paths, env=self.env).strip()
        return CommitPlan([c["path"] for c in changes], summary, message, changes)

    def commit(self, message: str) -> str:
        self._run("commit", "-q", "-F", "-", env=self.env, stdin=message)
        commit = self._run("rev-parse", "HEAD").strip()
        # The real index: the tool's entries follow the new HEAD; all others stay as they were.
        self._run("reset", "-q", commit, "--", *self.paths)
        return commit

    def _empty_tree(self) -> str:
        return self._run("hash-object", "-t", "tree", "/dev/null").strip()

    @staticmethod
    def _git_top(folder: Path) -> str:
        try:
            done = subprocess.run(
                ["git", "rev-parse", "--show-toplevel"], cwd=folder, capture_output=True, text=True, timeout=30
            )
        except FileNotFoundError:
            raise CommitError("git is not installed (or not on PATH); it is needed to commit a tool.") from None
        if done.returncode != 0:
            raise CommitError(f"{folder} is not in a git repository; run `git init` there to commit tools.")
        return done.stdout.strip()

    def _run(self, *args: str, env: Optional[dict] = None, stdin: Optional[str] = None, check: bool = True) -> str:
        done = subprocess.run(
            ["git", *args], cwd=self.top, env=env, input=stdin, capture_output=True, text=True, timeout=120
        )
        if check and done.returncode != 0:
            detail = (done.stderr or done.stdout).strip()
            raise CommitError(f"git {args[0]} failed: {detail}")
        return done.stdout
