"""``rollback_tool``: an earlier version of a tool back in place, from the copy kept in
``.latm/history`` (no git needed), re-verified on every stored example.

The version's code and manifest come back (entry, signature, parser, use cases); the examples
stay those stored now, because a reported answer is still the right answer: a version that fails
one is back as regressed, and says so. Rolling back is itself a new version ("rolled back"),
except that rolling a pending hand edit back to the current version just undoes the edit.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Optional

from latm.make import history
from latm.make.stored import Checked, check_stored, recorded
from latm.make.verify import read_tool_contents
from latm.errors import ToolboxError
from latm.progress import ProgressCallback, ProgressEvent, no_progress
from latm.toolbox import manifest as mf
from latm.toolbox import state as st
from latm.toolbox.names import validate_name
from latm.toolbox.store import Basis, ToolFiles, write_tool


@dataclass(frozen=True)
class RollbackResult:
    name: str
    restored: int  # the version whose code is back
    version: int  # the tool's version now
    checked: Checked
    state: str
    path: Path

    def record(self) -> dict:
        """The JSON of a rollback: ``latm rollback --json`` and ``latm.rollbackTool``."""
        return {"name": self.name, "path": str(self.path), "restored": self.restored, "version": self.version,
                "state": self.state, "passed": self.checked.passed, "total": self.checked.total,
                "failures": [asdict(f) for f in self.checked.failures()]}

    def text(self) -> str:
        c = self.checked
        now = "" if self.version == self.restored else f" as version {self.version}"
        lines = [f"{self.name}: the code of version {self.restored} is back{now}; re-verified {c.passed}/{c.total}: "
                 f"{self.state}"]
        if self.state == st.REGRESSED:
            lines += [f"  - {f.question.splitlines()[0][:80]}: {f.describe()}" for f in c.failures()]
        return "\n".join(lines)


def rollback_tool(ws, name: str, version: Optional[int] = None, *,
                  progress: ProgressCallback = no_progress) -> RollbackResult:
    """Restore ``version`` (default: the current version over a pending hand edit, else the one before)."""
    contents = read_tool_contents(ws.toolbox_dir / validate_name(name))
    manifest = history.ensure_first(contents.manifest)
    edited = st.state_of(contents.manifest, contents.code) == st.EDITED
    target = version or (manifest.version if edited else history.previous_version(manifest))
    if target is None:
        raise ToolboxError(f"Tool '{name}' has no earlier version to roll back to (see `latm history {name}`).")
    if target == manifest.version and not edited:
        raise ToolboxError(f"Tool '{name}' is at version {target} already; name an earlier one (see `latm history {name}`).")
    copy = history.kept_copy(ws, manifest, target)
    progress(ProgressEvent("verify", f"re-verifying version {target} of {name}", 0.3))
    restored = _restored(copy.manifest, manifest)
    sandbox = ws.sandbox_for(restored.requirements, progress)
    checked = check_stored(sandbox, restored, copy.code, ws.settings.timeout_s)
    checked_manifest = recorded(restored, checked, sandbox.status().backend)
    if target == manifest.version:  # the hand edit undone: the recorded version itself, no new one
        try:
            path = write_tool(ws.toolbox_dir, ToolFiles(checked_manifest, copy.code),
                              based_on=Basis(contents.fingerprint, "rolling back"))
        finally:
            ws.registry.reload({name})
        final = checked_manifest
    else:
        final = history.new_version(checked_manifest, copy.code, "rolled back")
        path = history.write_version(ws, contents, final, copy.code, "rolling back")
    progress(ProgressEvent("verify", f"{name}: {checked.passed}/{checked.total}", 1.0))
    return RollbackResult(name, target, final.version, checked, st.state_of(final, copy.code), path)


def _restored(old: mf.Manifest, current: mf.Manifest) -> mf.Manifest:
    """The old version's manifest with today's examples, history and version number."""
    questions = {u.question for u in old.use_cases}
    use_cases = old.use_cases + tuple(u for u in current.use_cases if u.question not in questions)
    return replace(old, examples=current.examples, use_cases=use_cases, history=current.history, version=current.version)
