"""Helpers of the cache tests (``.latm/cache/``): a cache file edited as a person or a repository
could edit it, with its header's hash made to match again."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Callable


def rewrite_body(path: Path, change: Callable[[Any], None]) -> None:
    """The cache at ``path`` with its body changed by ``change`` and the header's SHA-256 fixed up."""
    header, body = path.read_text().split("\n", 1)
    data = json.loads(body)
    change(data)
    text = json.dumps(data)
    meta = json.loads(header) | {"sha256": hashlib.sha256(text.encode()).hexdigest()}
    path.write_text(json.dumps(meta) + "\n" + text)
