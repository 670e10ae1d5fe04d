"""Small helpers for what the evaluation writes and reads back: stable hashes, and counts read
from JSON lines that may have been written by someone else."""

from __future__ import annotations

import hashlib
import json


def digest(*parts: object, size: int = 16) -> str:
    """A short stable hash of JSON-able parts (anything else by its text)."""
    return hashlib.sha256(json.dumps(parts, default=str).encode("utf-8")).hexdigest()[:size]


def count(value: object) -> int:
    """A non-negative int read from a record; anything else is 0."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0
