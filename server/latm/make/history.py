"""Versions of a tool: the history list in its manifest, and the kept copies of old versions.

The manifest (committed with the tool) says which versions there were: version, time, the hash
of ``tool.py``, why (made, repaired, edited by hand, rolled back, ...), the maker model and how
many examples were added. A copy of each version's ``tool.py`` and ``tool.toml`` written on this
machine is kept in ``.latm/history/NAME/VERSION/`` (local, not committed), outside the tool's
folder, so a reviewer of the toolbox sees only the current code. ``latm rollback`` restores from
there, without git; a version not kept here (a fresh clone) comes from git's ``HEAD`` when that is
the version committed, read with ``latm.safe_git`` (no hook or fsmonitor of the repository runs).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import asdict, replace
from pathlib import Path
from typing import Optional

from latm.bookkeeping import keep, utc_now
from latm.errors import ToolboxError
from latm.safe_git import GitMissing, committed_file
from latm.state_folder import UnfitFolder, require_fit
from latm.toolbox import manifest as mf
from latm.toolbox.registry import Contents, Problem, read_contents
from latm.toolbox.store import Basis, ToolFiles, write_text_atomic, write_tool

HISTORY_DIR = "history"
# A tool written before versions were recorded: its first version's reason, from its origin.
_FIRST_REASON = {"made": "made", "imported": "imported", "hand-written": "hand-written"}


def history_dir(ws, name: str) -> Path:
    return ws.state_dir / HISTORY_DIR / name


def first_entry(manifest: mf.Manifest) -> mf.HistoryEntry:
    """The entry of a manifest written before history was kept, from its provenance."""
    p = manifest.provenance
    return mf.HistoryEntry(manifest.version, p.created or manifest.verification.verified_at, p.tool_hash,
                           _FIRST_REASON[p.origin], p.maker_model, len(manifest.examples))


def ensure_first(manifest: mf.Manifest) -> mf.Manifest:
    """``manifest`` with a history: its own, or the one entry its provenance gives."""
    return manifest if manifest.history else replace(manifest, history=(first_entry(manifest),))


def entries(manifest: mf.Manifest) -> tuple[mf.HistoryEntry, ...]:
    return ensure_first(manifest).history


def new_version(manifest: mf.Manifest, code: str, reason: str, maker_model: str = "") -> mf.Manifest:
    """The next version of ``manifest`` (with its current examples) for ``code``, recorded in its history."""
    base = ensure_first(manifest)
    number = max(base.version, *(h.version for h in base.history)) + 1
    added = max(0, len(base.examples) - sum(h.examples_added for h in base.history))
    entry = mf.HistoryEntry(number, utc_now(), mf.tool_hash(code), reason, maker_model, added)
    return replace(base, version=number, history=base.history + (entry,))


def write_version(ws, before: Contents, manifest: mf.Manifest, code: str, work: str) -> Path:
    """Write ``manifest`` (a ``new_version``) and ``code`` over the tool as ``before`` read it,
    keeping a copy of the version it replaces (when that is the code latm last checked) and of the
    new one. Nothing is written if the tool changed on disk since (``ToolChanged``)."""
    name = manifest.name
    if before.manifest.provenance.tool_hash == mf.tool_hash(before.code):
        keep_copy(ws, before.manifest, before.code)
    try:
        path = write_tool(ws.toolbox_dir, ToolFiles(manifest, code), based_on=Basis(before.fingerprint, work))
    finally:
        ws.registry.reload({name})
    keep_copy(ws, manifest, code)
    return path


def keep_copy(ws, manifest: mf.Manifest, code: str) -> None:
    """Keep this version in ``.latm/history`` unless it is there already. Bookkeeping: a copy that
    cannot be written is a warning (rollback to it will say it is missing)."""
    folder = history_dir(ws, manifest.name) / str(manifest.version)
    if not os.path.lexists(folder):
        keep(folder, lambda: _write_copy(folder, replace(manifest, provenance=replace(
            manifest.provenance, tool_hash=mf.tool_hash(code))), code))


def _write_copy(folder: Path, manifest: mf.Manifest, code: str) -> None:
    require_fit(folder.parent)  # a .latm/history (or NAME) committed as a link is not written through
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.new-", dir=folder.parent))
    try:
        write_text_atomic(staging / "tool.py", code)
        write_text_atomic(staging / "tool.toml", mf.dumps(manifest))
        os.rename(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def kept_versions(ws, name: str) -> list[int]:
    folder = history_dir(ws, name)
    if not _fit(folder) or not folder.is_dir():
        return []
    return sorted(int(p.name) for p in folder.iterdir() if p.name.isdigit())


def _fit(folder: Path) -> bool:
    try:
        require_fit(folder)
    except UnfitFolder:
        return False
    return True


def kept_copy(ws, manifest: mf.Manifest, version: int) -> Contents:
    """The kept copy of ``version`` of the tool whose current manifest is ``manifest``; it must be
    the code that version's history entry names."""
    name = manifest.name
    entry = next((h for h in entries(manifest) if h.version == version), None)
    if entry is None:
        known = ", ".join(str(h.version) for h in entries(manifest))
        raise ToolboxError(f"Tool '{name}' has no version {version} (its versions: {known}); see `latm history {name}`.")
    problems: list[Problem] = []
    folder = history_dir(ws, name) / str(version)
    copy = read_contents(folder, problems) if _fit(folder.parent) and os.path.lexists(folder) else None
    if copy is None:
        copy, why_not = committed_copy(ws, name, version)
        if copy is None:
            kept = ", ".join(map(str, kept_versions(ws, name))) or "none"
            raise ToolboxError(f"Version {version} of '{name}' is not kept on this machine ({folder} is missing or "
                               f"unreadable; .latm/history is local, not committed; versions kept here: {kept}) "
                               f"and {why_not}, so there is nothing to restore it from.")
    if mf.tool_hash(copy.code) != entry.tool_hash:
        raise ToolboxError(f"The copy of version {version} of '{name}' in {folder} is not the code its history entry "
                           "names (another machine made a different version with that number); it is not restored.")
    return copy


def committed_copy(ws, name: str, version: int) -> tuple[Optional[Contents], str]:
    """The tool as git's ``HEAD`` holds it, when that is ``version``; else None and why not."""
    folder = ws.toolbox_dir / name
    try:
        files = {f: committed_file(ws.root, folder / f) for f in ("tool.py", "tool.toml")}
    except GitMissing:
        return None, "git is not installed to read the committed version"
    if None in files.values():
        return None, f"it is not committed in git (no {folder} in HEAD of a repository holding {ws.root})"
    with tempfile.TemporaryDirectory(prefix="latm-committed-") as scratch:
        for file, data in files.items():
            Path(scratch, file).write_bytes(data)
        copy = read_contents(Path(scratch), [])
    if copy is None:
        return None, "the version committed in git HEAD is not a readable tool"
    if copy.manifest.version != version:
        return None, f"git HEAD holds version {copy.manifest.version} of it, not version {version}"
    return copy, ""


def history_record(ws, manifest: mf.Manifest) -> dict:
    """The versions for ``latm history --json`` and ``latm.toolHistory``: each entry, and whether
    its copy is kept on this machine (so it can be rolled back to)."""
    kept = set(kept_versions(ws, manifest.name))
    return {"name": manifest.name, "version": manifest.version,
            "history": [asdict(h) | {"kept": h.version in kept} for h in entries(manifest)]}


def previous_version(manifest: mf.Manifest) -> Optional[int]:
    """The version before the current one, if any."""
    older = [h.version for h in entries(manifest) if h.version < manifest.version]
    return max(older) if older else None
