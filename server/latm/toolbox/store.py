"""Writing and deleting tool folders atomically, one writer per tool across processes.

A tool is written whole into a hidden staging folder beside its final place, then swapped in with
one rename (``renameat2(RENAME_EXCHANGE)`` where the kernel has it), so a reader sees the old tool
or the new one, never a mix, and an interrupted write leaves the old tool intact.

Every writer (the CLI, the language server, any other front end) holds the tool's lock, a
``flock`` on ``.latm/locks/NAME.lock`` beside the toolbox, from creating its staging folder to
removing it. So a write based on files read earlier can check, under the lock, that they are
still what was read (``Basis``); and a staging folder whose lock is free belongs to a writer that
died, and is removed at the next start (``remove_leftovers``).
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import shutil
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator, Optional

from latm.errors import ToolChanged, ToolboxError, ToolNotFound
from latm.state_folder import keep_out_of_git, require_fit
from latm.toolbox import reading
from latm.toolbox import manifest as mf
from latm.toolbox.names import validate_name
from latm.toolbox.testgen import render_tests

log = logging.getLogger(__name__)

STAGING_PREFIX = "."  # registry and watcher ignore dot-folders
LEFTOVER = re.compile(r"\.([a-z][a-z0-9_]{0,63})\.(?:new|del)-")  # a writer's staging folder or old version
LOCK_WAIT_S = 30.0  # a writer holds the lock for the few file writes of one tool
PYTEST_INI = """\
# Written by latm: every tool folder has a test_tool.py, so pytest must import them by path.
[pytest]
addopts = --import-mode=importlib
"""


@dataclass(frozen=True)
class ToolFiles:
    manifest: mf.Manifest
    code: str


@dataclass(frozen=True)
class Basis:
    """What a writer saw of a tool folder before its long work (``work``: "verifying", "making").
    Its write goes ahead only while the folder still holds exactly that."""

    fingerprint: reading.Fingerprint
    work: str


def basis(folder: Path, work: str) -> Basis:
    return Basis(reading.read_folder(folder).fingerprint, work)


@dataclass(frozen=True)
class Written:
    path: Path
    fingerprint: reading.Fingerprint  # of the bytes written, whatever the folder holds by now


def write_tool(toolbox_dir: Path, files: ToolFiles, *, based_on: Optional[Basis] = None) -> Path:
    """Write ``tool.py``, ``tool.toml`` and a generated ``test_tool.py``; return the folder.
    With ``based_on``, raise ``ToolChanged`` and write nothing if the folder changed since."""
    return save_tool(toolbox_dir, files, based_on=based_on).path


def save_tool(toolbox_dir: Path, files: ToolFiles, *, based_on: Optional[Basis] = None) -> Written:
    """``write_tool``, also saying what exactly was written: what latm vouches for (trusts) is
    those bytes, never what another process may have put in the folder since."""
    name = validate_name(files.manifest.name)
    provenance = replace(files.manifest.provenance, tool_hash=mf.tool_hash(files.code))
    manifest = replace(files.manifest, provenance=provenance)
    toolbox_dir = _usable_toolbox(toolbox_dir)
    toolbox_dir.mkdir(parents=True, exist_ok=True)
    target = toolbox_dir / name
    texts = {"tool.py": files.code, "tool.toml": mf.dumps(manifest), "test_tool.py": render_tests(manifest)}
    with tool_lock(toolbox_dir, name):
        if based_on is not None:
            _require_unchanged(target, based_on)
        staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{name}.new-", dir=toolbox_dir))
        try:
            for filename, text in texts.items():
                _write_synced(staging / filename, text)
            os.chmod(staging, 0o755)
            _add_pytest_ini(toolbox_dir, staging)
            _swap_in(staging, target)
        finally:
            _remove(staging)  # after a swap it holds the old version
    staged = {filename: text.encode("utf-8") for filename, text in texts.items()}  # as _write_synced wrote them
    return Written(target, reading.FolderRead(target, True, staged).fingerprint)


def delete_tool(toolbox_dir: Path, name: str) -> None:
    toolbox_dir = _usable_toolbox(toolbox_dir)
    folder = toolbox_dir / validate_name(name)
    with tool_lock(toolbox_dir, name):
        if not os.path.lexists(folder):
            raise ToolNotFound(f"No tool named '{name}' in {toolbox_dir}.")
        graveyard = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{name}.del-", dir=toolbox_dir))
        os.rename(folder, graveyard / name)  # one step: the tool is gone for readers at once
        _remove(graveyard)


@contextmanager
def tool_lock(toolbox_dir: Path, name: str, wait_s: float = LOCK_WAIT_S) -> Iterator[None]:
    """Hold the lock of the tool ``name``; ``ToolboxError`` after ``wait_s`` if another holds it."""
    lock_path = locks_dir(toolbox_dir) / f"{validate_name(name)}.lock"
    try:
        require_fit(lock_path.parent)
        keep_out_of_git(lock_path.parent.parent)
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as err:
        raise ToolboxError(f"Cannot take the lock of the tool '{name}' ({lock_path}): {err.strerror}.") from None
    try:
        _acquire(fd, wait_s, f"Another latm process is changing the tool '{name}' (it holds {lock_path}); "
                             "try again when it is done.")
        yield
    finally:
        os.close(fd)  # releases the lock, also when the process dies


def locks_dir(toolbox_dir: Path) -> Path:
    """``.latm/locks`` beside the toolbox: the workspace's state folder for the usual layout, and
    one place for every process that writes this toolbox, whatever workspace it came from."""
    return Path(os.path.abspath(toolbox_dir)).parent / ".latm" / "locks"


def remove_leftovers(toolbox_dir: Path) -> None:
    """Remove staging folders and old versions left by writers that died; a live writer holds its
    tool's lock, so what it is writing stays."""
    toolbox_dir = Path(toolbox_dir)
    if not toolbox_dir.is_dir() or reading.toolbox_link_problem(toolbox_dir):
        return
    by_tool: dict[str, list[str]] = defaultdict(list)
    for entry in os.listdir(toolbox_dir):
        found = LEFTOVER.match(entry)
        if found:
            by_tool[found.group(1)].append(entry)
    removed = []
    for name, leftovers in sorted(by_tool.items()):
        try:
            with tool_lock(toolbox_dir, name, wait_s=0):
                for leftover in leftovers:
                    _remove(toolbox_dir / leftover)
                    removed.append(leftover)
        except ToolboxError:
            continue  # its writer is alive
        except OSError as err:  # tidying up must not keep latm from starting
            log.warning("could not remove what a writer left in %s: %s", toolbox_dir, err)
    if removed:
        log.info("removed what dead writers left in %s: %s", toolbox_dir, ", ".join(removed))


def _acquire(fd: int, wait_s: float, busy: str) -> None:
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise ToolboxError(busy) from None
            time.sleep(0.05)


def _usable_toolbox(toolbox_dir: Path) -> Path:
    refused = reading.toolbox_link_problem(toolbox_dir)
    if refused:
        raise ToolboxError(refused)
    return Path(toolbox_dir)


def _require_unchanged(target: Path, seen: Basis) -> None:
    now = reading.read_folder(target).fingerprint
    if now == seen.fingerprint:
        return
    name, work = target.name, seen.work
    if seen.fingerprint.exists and not now.exists:
        raise ToolChanged(f"The tool '{name}' was deleted while latm was {work} it; nothing was written.")
    if not seen.fingerprint.exists:
        raise ToolChanged(f"The tool '{name}' was created by another writer while latm was {work} it; "
                          "nothing was written, so that version is kept.")
    changed = ", ".join(now.differences(seen.fingerprint))
    raise ToolChanged(f"The tool '{name}' changed while latm was {work} it ({changed}); nothing was written, so "
                      "the change is kept. Run the command again to work on the tool as it is now.")


def _add_pytest_ini(toolbox_dir: Path, staging: Path) -> None:
    """Put ``pytest.ini`` in the toolbox if it has none, by way of the staging folder."""
    if os.path.lexists(toolbox_dir / "pytest.ini"):
        return
    _write_synced(staging / "pytest.ini", PYTEST_INI)
    os.replace(staging / "pytest.ini", toolbox_dir / "pytest.ini")


def write_text_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        _write_synced(Path(tmp), text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_synced(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _remove(path: Path) -> None:
    """Remove a staging folder, an old version or a link, never following a link."""
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


def _swap_in(staging: Path, target: Path) -> None:
    """Put ``staging`` at ``target``; whatever was at ``target`` (a link too) ends up at ``staging``."""
    if not os.path.lexists(target):
        os.rename(staging, target)
    elif not _exchange(staging, target):
        # No atomic exchange on this system: two renames, old version kept until the new is in.
        old = staging.with_name(staging.name + ".old")
        os.rename(target, old)
        os.rename(staging, target)
        os.rename(old, staging)
    _fsync_dir(target.parent)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    import ctypes.util  # with subprocess: only when a tool is replaced, not with every command that reads one

    libc_name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(libc_name, use_errno=True) if libc_name else None
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
