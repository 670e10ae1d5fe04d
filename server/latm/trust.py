"""Project configs and tools the user trusts: each file's path and the sha256 of its bytes (for a
tool, its folder and the digest of its files, ``Tool.key``), kept in user state
(``$XDG_STATE_HOME/latm/trusted.json``), never in the workspace. What changed since it was trusted
is untrusted again, so trusting means "this exact text", not "this repository".
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Mapping, Optional

from latm import userdirs
from latm.errors import SettingsError
from latm.toolbox.reading import read_folder
from latm.toolbox.store import write_text_atomic

log = logging.getLogger(__name__)
FILE_NAME = "trusted.json"


@dataclass(frozen=True)
class Trusted:
    path: str
    sha256: str
    trusted_at: str


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def trust_file(environ: Mapping[str, str]) -> Optional[Path]:
    state = userdirs.state_dir(environ)
    return state / FILE_NAME if state else None


def entries(environ: Mapping[str, str]) -> list[Trusted]:
    """Every trusted config; SettingsError saying what to do when the trust file cannot be read."""
    path = trust_file(environ)
    if path is None or not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [Trusted(str(e["path"]), str(e["sha256"]), str(e.get("trusted_at", ""))) for e in data["trusted"]]
    except (OSError, UnicodeDecodeError, ValueError, RecursionError, KeyError, TypeError) as err:
        raise SettingsError(f"cannot read the trust file {path} ({type(err).__name__}: {err}); no project config "
                            "is trusted until you fix or delete it") from None


def is_trusted(config: Path, digest: str, environ: Mapping[str, str]) -> bool:
    key = str(config.resolve())
    return any(e.path == key and e.sha256 == digest for e in entries(environ))


def trust(config: Path, digest: str, environ: Mapping[str, str]) -> Trusted:
    """Trust ``config`` with these bytes' ``digest`` (replacing an older entry for the same file)."""
    entry = Trusted(str(config.resolve()), digest, datetime.now(timezone.utc).isoformat(timespec="seconds"))
    _save([e for e in entries(environ) if e.path != entry.path] + [entry], environ)
    return entry


def revoke(config: Path, environ: Mapping[str, str]) -> bool:
    """Trust ``config`` no more; False when it was not trusted."""
    key = str(config.resolve())
    before = entries(environ)
    kept = [e for e in before if e.path != key]
    if len(kept) == len(before):
        return False
    _save(kept, environ)
    return True


def state_of(entry: Trusted) -> str:
    """``trusted`` while the file (or tool folder) has the trusted bytes, else ``changed`` or ``missing``."""
    path = Path(entry.path)
    try:
        digest = folder_digest(path) if path.is_dir() else sha256(path.read_bytes())
    except OSError:
        return "missing"
    return "trusted" if digest == entry.sha256 else "changed"


def folder_digest(folder: Path) -> str:
    """The digest of a tool folder's files, as the registry's ``Tool.key`` of it."""
    return read_folder(folder).fingerprint.digest


class TrustedTools:
    """Which tools the user trusts, by (resolved folder, ``Tool.key``); the trust file is read again
    only when it changed. A trust file that cannot be read trusts nothing (said once in the log)."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self._seen: Optional[tuple] = None  # the trust file's stat when last read
        self._pairs: frozenset[tuple[str, str]] = frozenset()

    def pairs(self) -> frozenset[tuple[str, str]]:
        path = trust_file(self.environ)
        try:
            info = os.stat(path) if path else None
            seen = (info.st_ino, info.st_mtime_ns, info.st_size) if info else None
        except OSError:
            seen = None
        if seen != self._seen:
            self._seen = seen
            try:
                self._pairs = frozenset((e.path, e.sha256) for e in entries(self.environ))
            except SettingsError as err:
                log.warning("%s", err)
                self._pairs = frozenset()
        return self._pairs


def _save(kept: list[Trusted], environ: Mapping[str, str]) -> None:
    path = trust_file(environ)
    if path is None:
        raise SettingsError("cannot record trust: neither XDG_STATE_HOME nor HOME is set to an absolute folder")
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps({"trusted": [asdict(e) for e in kept]}, indent=1) + "\n")
