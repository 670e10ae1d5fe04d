"""``verify_tool``: re-run a tool on every stored example in the sandbox (``stored``) and record
the result in its manifest; an answer counts only when it comes from calling the entry function.

On a tool whose ``tool.py`` was edited by hand, verifying is accepting the edit: when every stored
example passes, the edit becomes the tool's next version (history entry "edited by hand");
otherwise nothing is written and the edit stays unused, waiting."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from latm.make import history
from latm.make.stored import Checked, check_stored, recorded
from latm.errors import ToolboxError, ToolNotFound
from latm.progress import ProgressCallback, ProgressEvent, no_progress
from latm.toolbox import manifest as mf
from latm.toolbox import state as st
from latm.toolbox.names import validate_name
from latm.toolbox.registry import Contents, Problem, read_contents
from latm.toolbox.store import Basis, ToolFiles, write_tool

@dataclass(frozen=True)
class VerifyResult:
    name: str
    passed: int
    total: int
    failures: tuple[str, ...]  # one line per failed check
    path: Path
    edit: str = ""  # for a hand edit: "accepted" (now version ``version``) or "refused" (nothing written)
    version: Optional[int] = 1  # None: the tool could not be read

    @property
    def ok(self) -> bool:
        return self.total > 0 and self.passed == self.total

    def record(self) -> dict:
        """The JSON of a verification: ``latm verify --json`` (one per tool) and ``latm.verifyTool``."""
        return {"name": self.name, "verified": self.ok, "passed": self.passed, "total": self.total,
                "failures": list(self.failures), "edit": self.edit, "version": self.version}

    def edit_note(self) -> str:
        """What became of a hand edit, for people; "" when there was none."""
        if self.edit == "accepted":
            return f"the hand edit is accepted as version {self.version}"
        if self.edit == "refused":
            return (f"the hand edit is refused: nothing was written, and the edited tool stays unused until it passes "
                    f"(`latm rollback {self.name}` undoes the edit)")
        return ""


def read_tool(folder: Path) -> tuple[mf.Manifest, str]:
    """Manifest and code of a tool folder, even when tool.py no longer matches its recorded hash."""
    contents = read_tool_contents(folder)
    return contents.manifest, contents.code


def verify_tool(ws, name: str, *, progress: ProgressCallback = no_progress) -> VerifyResult:
    folder = ws.toolbox_dir / validate_name(name)
    contents = read_tool_contents(folder)
    manifest, code = contents.manifest, contents.code
    sandbox = ws.sandbox_for(manifest.requirements, progress)
    progress(ProgressEvent("verify", f"verify {name}", 0.0))
    checked = check_stored(sandbox, manifest, code, ws.settings.timeout_s)
    backend = sandbox.status().backend
    was = st.state_of(manifest, code)
    if was == st.EDITED:
        return _hand_edit(ws, contents, checked, backend, progress)
    updated = recorded(manifest, checked, backend)
    # A version with a history was accepted by a latm that checked it: failing now, it is regressed
    # (still used, with a warning). A record with no history is only a claim (a pull request can
    # write one): failing, it is unverified and not used.
    if checked.ok or (was in st.USABLE and manifest.history):
        updated = history.ensure_first(updated)
    try:
        path = write_tool(ws.toolbox_dir, ToolFiles(updated, code), based_on=Basis(contents.fingerprint, "verifying"))
    finally:
        ws.registry.reload({name})
    progress(ProgressEvent("verify", f"verify {name}: {checked.passed}/{checked.total}", 1.0))
    return VerifyResult(name, checked.passed, checked.total, checked.lines(), path, version=updated.version)


def _hand_edit(ws, contents: Contents, checked: Checked, backend: str, progress: ProgressCallback) -> VerifyResult:
    """Accept the edited code as the next version when it passes every stored example; else write nothing."""
    manifest, code, name = contents.manifest, contents.code, contents.manifest.name
    folder = ws.toolbox_dir / name
    if not checked.ok:
        ws.registry.reload({name})  # nothing written; the registry shows the edit as it is: waiting
        progress(ProgressEvent("verify", f"verify {name}: {checked.passed}/{checked.total}; edit refused", 1.0))
        return VerifyResult(name, checked.passed, checked.total, checked.lines(), folder, "refused", manifest.version)
    accepted = history.new_version(recorded(manifest, checked, backend), code, "edited by hand")
    path = history.write_version(ws, contents, accepted, code, "accepting the edit")
    progress(ProgressEvent("verify", f"verify {name}: {checked.passed}/{checked.total}; edit accepted", 1.0))
    return VerifyResult(name, checked.passed, checked.total, (), path, "accepted", accepted.version)


def read_tool_contents(folder: Path) -> Contents:
    """What is verified: read without following links, so a linked file is refused, never copied."""
    if not os.path.lexists(folder):
        raise ToolNotFound(f"No tool named '{folder.name}' in {folder.parent}.")
    problems: list[Problem] = []
    contents = read_contents(folder, problems)
    if contents is None:
        raise ToolboxError("; ".join(f"{p.path}:{p.line}: {p.message}" for p in problems))
    return contents
