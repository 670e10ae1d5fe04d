"""The parsed toolbox kept in ``.latm/cache/registry.json``, so that loading 1,000 tools reads
and parses only those whose files changed since the last load.

Each tool folder is keyed by what the file system says of it and of its tool files (device,
inode, size, modification and change times, mode; links never followed). Any write changes the
change time, which no program can set, so a cache that came with a repository never matches
its checkout. A folder changed within the last ``RACY_S`` seconds is not cached: a second change
in the same clock tick could leave every time as it was. Entries are type-checked as they are
read; anything wrong and the whole cache is rebuilt. A tool's manifest is checked (as ``tool.toml``
is) and built when it is first used, not with the 999 others a command does not look at: one that
does not check out then is read from the tool's files instead, and the cache is dropped, to be
written anew by the next load.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any, Optional

from latm import collector
from latm.errors import ToolboxError
from latm.toolbox import cache_file, reading, registry
from latm.toolbox import state as st
from latm.toolbox import manifest as mf
from latm.toolbox.registry import ERROR, WARNING, Problem, Snapshot, Tool, load_folder

log = logging.getLogger(__name__)

NAME, KIND = "registry", "latm-registry"
RACY_S = 2.0
CODE = cache_file.code_key(registry, mf, reading, cache_file, st, sys.modules[__name__])  # its own format too


class BadEntry(ValueError):
    """A cache entry that does not hold what this code writes."""


class RegistryCache:
    """``Registry``'s folder cache in ``state_dir`` (the workspace's ``.latm``)."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = Path(state_dir)

    def load_folders(self, toolbox_dir: Path, names: set[str]) -> dict[str, Snapshot]:
        with collector.paused():
            return self._load_folders(toolbox_dir, names)

    def _load_folders(self, toolbox_dir: Path, names: set[str]) -> dict[str, Snapshot]:
        key = f"{CODE}:{toolbox_dir}"
        cached = cache_file.read(self.state_dir, NAME, KIND, key)
        entries = cached if isinstance(cached, dict) else {}
        try:
            loaded, kept = _load_all(toolbox_dir, names, entries, self.state_dir)
        except BadEntry:  # a damaged or forged cache: none of it is used
            entries = {}
            loaded, kept = _load_all(toolbox_dir, names, entries, self.state_dir)
        if kept.keys() != entries.keys() or any(entries[name] is not entry for name, entry in kept.items()):
            cache_file.write(self.state_dir, NAME, KIND, key, kept)
        return loaded


def _load_all(toolbox_dir: Path, names: set[str], entries: dict, state_dir: Path) -> tuple[dict[str, Snapshot], dict[str, dict]]:
    """Each folder's snapshot, and the entries to cache (unchanged ones are ``entries``' own objects)."""
    loaded, kept = {}, {}
    for name in names:
        loaded[name], entry = _load(toolbox_dir / name, entries.get(name), state_dir)
        if entry is not None:
            kept[name] = entry
    return loaded, kept


def _load(folder: Path, entry: Any, state_dir: Path) -> tuple[Snapshot, Optional[dict]]:
    """The snapshot of ``folder`` and the entry to keep (``entry`` itself when it still holds; None: racy)."""
    key = folder_key(folder)
    if isinstance(entry, dict) and key is not None and entry.get("stat") == key:
        return decode(entry, folder, state_dir), entry
    snapshot = load_folder(folder)
    return snapshot, None if key is None else {"stat": key, **encode(snapshot, folder)}


def folder_key(folder: Path) -> Optional[list[int]]:
    """What changes when anything ``load_folder`` reads may have; None while a change is too recent."""
    recent = time.time_ns() - int(RACY_S * 1e9)
    key: list[int] = []
    base = os.fspath(folder)
    paths = [base] + [os.path.join(base, name) for name in reading.TOOL_FILES]  # strings: 4,000 of them at 1,000 tools
    for index, path in enumerate(paths):
        try:
            st = os.lstat(path)
        except (FileNotFoundError, NotADirectoryError):
            key.append(0)
            continue
        if max(st.st_mtime_ns, st.st_ctime_ns) > recent:
            return None
        key += [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_mode]
        if index == 0 and not stat.S_ISDIR(st.st_mode):
            break  # a link or file where a tool folder belongs: nothing inside is read
    return key


def encode(snapshot: Snapshot, folder: Path) -> dict:
    if snapshot.tool is None:
        return {"problems": [_problem_data(p, folder) for p in snapshot.problems]}
    tool = snapshot.tool
    # The manifest as JSON text within the cache: parsed when it is first used, so reading the cache
    # does not build the 999 manifests a command does not look at.
    manifest = json.dumps(mf.to_data(tool.manifest), ensure_ascii=False, separators=(",", ":"))
    return {"tool": {"name": tool.manifest.name, "manifest": manifest, "code": tool.code, "key": tool.key, "state": tool.state,
                     "warnings": [_problem_data(p, folder) for p in tool.warnings]}}


def decode(entry: dict, folder: Path, state_dir: Path) -> Snapshot:
    """The snapshot ``encode`` wrote, every value checked (the manifest's when it is first used,
    ``manifest_of``); ``BadEntry`` otherwise."""
    if "tool" not in entry:
        return Snapshot(problems=[_problem(p, folder) for p in _typed(entry.get("problems"), list)])
    data = _typed(entry["tool"], dict)
    if data.get("name") != folder.name:
        raise BadEntry(f"{data.get('name')!r} cached for the folder {folder.name!r}")
    manifest = _typed(data.get("manifest"), str)
    code, key, state = _typed(data.get("code"), str), _typed(data.get("key"), str), data.get("state")
    if state not in st.STATES:
        raise BadEntry(f"{state!r} is not a tool's state")
    warnings = tuple(_problem(p, folder) for p in _typed(data.get("warnings"), list))
    return Snapshot(Tool(partial(manifest_of, manifest, folder, code, key, state, state_dir), code, folder, warnings,
                         key, state))


def manifest_of(text: str, folder: Path, code: str, key: str, state: str, state_dir: Path) -> mf.Manifest:
    """The manifest of a cached tool, checked as ``tool.toml`` is and against the state cached with
    it; if it does not check out, read from the tool's files, which must still be the ones cached."""
    try:
        manifest = mf.from_data(_typed(_json(text), dict))
        if manifest.name != folder.name or st.state_of(manifest, code) != state:
            raise BadEntry(f"the manifest cached for {folder.name!r} is not of that tool in that state")
        return manifest
    except (mf.ManifestError, BadEntry) as err:
        log.warning("the toolbox cache %s is damaged (%s); reading %s from its files and dropping the cache",
                    cache_file.path_of(state_dir, NAME), getattr(err, "message", err), folder.name)
    cache_file.drop(state_dir, NAME)
    tool = load_folder(folder).tool
    if tool is None or tool.key != key or tool.state != state:  # what was handed out on the cache's word is wrong
        raise ToolboxError(f"The tool '{folder.name}' is not what latm's toolbox cache recorded (the cache was damaged, "
                           "or the tool changed meanwhile); run the command again.")
    return tool.manifest


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as err:
        raise BadEntry(f"the cached manifest is not JSON ({err})") from None


def _problem_data(problem: Problem, folder: Path) -> list:
    return [os.path.relpath(problem.path, folder), problem.line, problem.message, problem.severity, problem.code]


def _problem(data: Any, folder: Path) -> Problem:
    if not (isinstance(data, list) and len(data) == 5):
        raise BadEntry("a problem is not a list of five")
    path, line, message, severity, code = data
    if not (_is(path, str) and _is(line, int) and _is(message, str) and severity in (ERROR, WARNING) and _is(code, str)):
        raise BadEntry(f"a problem of the wrong types: {data!r}")
    return Problem(folder / path, line, message, severity, code)


def _is(value: Any, kind: type) -> bool:
    return isinstance(value, kind) and not (kind is int and isinstance(value, bool))


def _typed(value: Any, kind: type) -> Any:
    if not _is(value, kind):
        raise BadEntry(f"expected {kind.__name__}, got {type(value).__name__}")
    return value
