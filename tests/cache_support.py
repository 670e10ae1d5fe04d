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


def recorded(monkeypatch, owner: Any, name: str, label: Callable[[Any], str]) -> Callable[[], set]:
    """Wrap ``owner.name`` (a function of one argument) to note ``label(argument)`` of each call; the
    function returned gives the labels noted since it was last called."""
    real = getattr(owner, name)
    seen: list[str] = []

    def noting(argument: Any) -> Any:
        seen.append(label(argument))
        return real(argument)

    monkeypatch.setattr(owner, name, noting)

    def taken() -> set:
        labels = set(seen)
        seen.clear()
        return labels

    return taken
