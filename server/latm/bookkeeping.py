"""latm's own records in ``.latm/`` (ledger, answers, pending questions): JSON lines, appended
and read so that they never cost the user the work they record, nor let a planted file hang latm.

Each record is one write on an ``O_APPEND`` descriptor, so lines from concurrent writers never
interleave; a line torn by a crash is closed off by the next append and skipped by readers, which
count it instead of failing. A record that cannot be written (a full disk, a read-only folder)
is a warning, once per file until a write to it works again, and the work goes on (``keep``).
Appends and reads never follow a symlink, at the file itself or on the way to it (a ``.latm``
linked elsewhere: ``latm.state_folder``), and only a regular file is read: ``answers.jsonl -> /dev/zero`` reads as
empty, with a warning.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import stat
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from latm.input_files import load_json
from latm.state_folder import UnfitFolder, require_fit

log = logging.getLogger(__name__)

_lock = threading.Lock()
_failing: set[str] = set()  # files whose last write or read failed (warned about already)


def utc_now() -> str:
    """The time a record is written: UTC, in milliseconds, ISO 8601 with a ``Z``."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def append_record(path: Path, record: dict[str, Any]) -> None:
    """Append ``record`` as one line; raises OSError (see ``keep``)."""
    line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    with _lock:
        require_fit(path.parent)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        try:
            end = os.fstat(fd).st_size
            if end and os.pread(fd, 1, end - 1) != b"\n":
                line = b"\n" + line
            os.write(fd, line)
        finally:
            os.close(fd)


def keep(path: Path, write: Callable[[], Any]) -> bool:
    """Run ``write`` (which records something in ``path``); if it fails, warn once and go on."""
    try:
        write()
    except UnfitFolder:
        return False  # said once, for the whole folder
    except OSError as err:
        _warn_once(path, f"could not write {path} ({_reason(err)}); latm goes on without this record")
        return False
    with _lock:
        _failing.discard(str(path))
    return True


def read_records(path: Path) -> tuple[list[dict[str, Any]], int]:
    """(records, number of unreadable lines); a missing file is empty."""
    records, bad = [], 0
    for line in _read_lines(path):
        if not line.strip():
            continue
        try:
            record = load_json(line)
        except json.JSONDecodeError:
            bad += 1
            continue
        if isinstance(record, dict):
            records.append(record)
        else:
            bad += 1
    return records, bad


def _read_lines(path: Path) -> list[str]:
    try:
        require_fit(path.parent)
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except (FileNotFoundError, UnfitFolder):
        return []
    except OSError as err:
        _warn_once(path, f"could not read {path} ({_reason(err)}); it is skipped")
        return []
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        _warn_once(path, f"could not read {path} (not a regular file); it is skipped")
        return []
    with os.fdopen(fd, "rb") as handle:
        return handle.read().decode("utf-8", errors="replace").splitlines()


def _reason(err: OSError) -> str:
    if err.errno == errno.ELOOP and err.strerror == os.strerror(errno.ELOOP):  # O_NOFOLLOW met a link
        return "a symbolic link, which latm does not follow here"
    return err.strerror or str(err)


def _warn_once(path: Path, message: str) -> None:
    with _lock:
        if str(path) in _failing:
            return
        _failing.add(str(path))
    log.warning("warning: %s", message)
