"""JSON caches in ``.latm/cache/``: what latm can always rebuild (the parsed toolbox, the routing
index), kept so that a one-shot command does not rebuild it every time.

A cache is never trusted. Its first line is a header (format, kind, the key of what it was built
for, the SHA-256 of the rest), and a file that does not check out — missing, a link, under a
linked ``.latm`` or ``cache/``, too large, truncated, edited, built by other code or for another
folder — reads as no cache, so the caller rebuilds. A cache is written as a temporary file renamed
over the old one: concurrent writers leave one whole file, the last.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from types import ModuleType
from typing import Any, Optional

from latm.state_folder import keep_out_of_git, require_fit
from latm.toolbox import reading
from latm.toolbox.store import write_text_atomic

log = logging.getLogger(__name__)

FORMAT = 1
MAX_BYTES = 1 << 28  # 10,000 tools take ~40 MB


def code_key(*modules: ModuleType) -> str:
    """A key for the code that computes a cache's contents: a cache built by other code is rebuilt."""
    digest = hashlib.sha256()
    for module in modules:
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()[:32]


def path_of(state_dir: Path, name: str) -> Path:
    return Path(state_dir) / "cache" / f"{name}.json"


def read(state_dir: Path, name: str, kind: str, key: str) -> Optional[Any]:
    """The body of cache ``name`` when it is whole and was written for ``kind`` and ``key``; else None."""
    path = path_of(state_dir, name)
    try:
        require_fit(path.parent)  # a .latm or cache/ that leads elsewhere, or not the user's
        raw = reading.read_file(path, MAX_BYTES)  # never through a link, never a fifo
    except (OSError, reading.Refused) as err:
        log.debug("no %s cache: %s", name, err)
        return None
    head, _, body = raw.partition(b"\n")
    try:
        header = json.loads(head)
        expected = {"format": FORMAT, "kind": kind, "key": key, "sha256": hashlib.sha256(body).hexdigest()}
        if header != expected:
            log.debug("the %s cache is stale or damaged; rebuilding it", name)
            return None
        return json.loads(body)
    except (ValueError, RecursionError) as err:
        log.debug("the %s cache cannot be read (%s); rebuilding it", name, err)
        return None


def drop(state_dir: Path, name: str) -> None:
    """Remove cache ``name`` (a link is removed, never followed): the next write builds it anew."""
    try:
        path_of(state_dir, name).unlink()
    except OSError as err:  # gone already, or a read-only checkout: it is never trusted anyway
        log.debug("cannot remove the %s cache: %s", name, err)


def write(state_dir: Path, name: str, kind: str, key: str, body: Any) -> bool:
    """Replace cache ``name`` atomically; False (and nothing written) when it cannot be."""
    path = path_of(state_dir, name)
    try:
        if not keep_out_of_git(Path(state_dir)):  # .latm is a link, or cannot be made
            return False
        require_fit(path.parent)
        path.parent.mkdir(exist_ok=True)
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        header = {"format": FORMAT, "kind": kind, "key": key, "sha256": hashlib.sha256(text.encode()).hexdigest()}
        write_text_atomic(path, json.dumps(header) + "\n" + text)
    except (OSError, ValueError) as err:  # a read-only checkout, a full disk: the next call rebuilds
        log.debug("cannot write the %s cache: %s", name, err)
        return False
    return True
