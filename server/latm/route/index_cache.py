"""The routing index kept in ``.latm/cache/route-index.json``: each usable tool's profile with the
key of the tool it was made from, and the lexical index (its score matrix as little-endian
arrays in base64: no pickle, and no numpy needed to read it). Loading checks every value's type
and the matrix's shape; a profile whose tool changed is dropped (the index takes in the tool
anew), a lexical row whose tool changed is masked. Anything wrong and there is no cache: the
index is built anew.
"""

from __future__ import annotations

import base64
import logging
import sys
from array import array
from pathlib import Path
from typing import TYPE_CHECKING, Any, Collection, Iterable, Optional

from latm.route import features, index, profile
from latm.route.profile import ToolProfile
from latm.toolbox import cache_file, manifest

if TYPE_CHECKING:
    from latm.route.index import Lexical, ToolIndex

log = logging.getLogger(__name__)

NAME, KIND = "route-index", "latm-route-index"
CODE = cache_file.code_key(index, profile, features, manifest, sys.modules[__name__])  # its own format too


class BadCache(ValueError):
    """The cache does not hold what this code writes."""


def save(state_dir: Path, toolbox_dir: Path, profiles: dict[str, ToolProfile], lexical: Lexical) -> bool:
    body = {
        "profiles": {name: [p.key, p.summary, p.template, p.self_cover, list(p.described), p.example]
                     for name, p in profiles.items()},
        "lexical": {
            "rows": [[name, p.key if (p := lexical.profiles.get(name)) is not None else ""] for name in lexical.names],
            "vocab": lexical.vocab,
            **{key: base64.b64encode(_little_endian(getattr(lexical, key))).decode() for key in index.ARRAYS},
        },
    }
    return cache_file.write(state_dir, NAME, KIND, f"{CODE}:{toolbox_dir}", body)


def load(state_dir: Path, toolbox_dir: Path) -> Optional[ToolIndex]:
    """The index as saved, or None when there is none or it does not check out."""
    body = cache_file.read(state_dir, NAME, KIND, f"{CODE}:{toolbox_dir}")
    if body is None:
        return None
    try:
        return _restore(_typed(body, dict))
    except (BadCache, ValueError) as err:  # ValueError: bad base64, an array of the wrong length
        log.debug("the routing index cache does not check out (%s); building the index anew", err)
        return None


def _restore(body: dict) -> ToolIndex:
    from latm.route.index import Lexical, ToolIndex

    profiles = {name: _profile(name, data) for name, data in _typed(body.get("profiles"), dict).items()}
    data = _typed(body.get("lexical"), dict)
    rows = [_typed(row, list) for row in _typed(data.get("rows"), list)]
    if not all(len(row) == 2 and isinstance(row[0], str) and isinstance(row[1], str) for row in rows):
        raise BadCache("a lexical row is not [name, key]")
    names = tuple(name for name, _ in rows)
    if len(set(names)) != len(names):
        raise BadCache("a tool has two lexical rows")
    # A row counts only while its tool's profile is the one it was built from.
    held = {name: p for name, key in rows if (p := profiles.get(name)) is not None and p.key == key}
    arrays = {key: _array(data.get(key), code) for key, code in index.ARRAYS.items()}
    vocab = _typed(data.get("vocab"), dict)
    _check_matrix(vocab, len(names), **arrays)
    return ToolIndex(profiles=profiles, lexical=Lexical(held, names, vocab, **arrays))


def _profile(name: str, data: Any) -> ToolProfile:
    fields = _typed(data, list)
    if len(fields) != 6:
        raise BadCache(f"the profile of {name} has {len(fields)} fields")
    key, summary, template, self_cover, described, example = fields
    template = _typed(template, dict)
    if not _shares(template.values()):
        raise BadCache(f"the template of {name} holds a share that is not a number in (0, 1]")
    described = _typed(described, list)
    if not _all_of(str, described):
        raise BadCache(f"the described tokens of {name} hold one that is not text")
    if not _shares((self_cover,)):
        raise BadCache(f"the self-coverage of {name} is not in (0, 1]")
    return ToolProfile(name, _typed(summary, str), template, self_cover, tuple(described), _typed(example, str),
                       _typed(key, str))


def _all_of(kind: type, values: Iterable[Any]) -> bool:
    """Every value is exactly of ``kind`` (not a subclass: a bool is no number here). Checked by type
    sets rather than one ``isinstance`` per value: a cache holds ~100,000 of them at 1,000 tools."""
    return set(map(type, values)) <= {kind}


def _shares(values: Collection[Any]) -> bool:
    """Numbers in (0, 1] as JSON gives them back (floats: ``save`` writes every share as one)."""
    return _all_of(float, values) and (not values or (min(values) > 0 and max(values) <= 1 and sum(values) == sum(values)))


def _little_endian(values: array) -> bytes:
    if sys.byteorder == "big":
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


def _array(text: Any, code: str) -> array:
    raw = base64.b64decode(_typed(text, str), validate=True)
    values = array(code)
    if len(raw) % values.itemsize:
        raise BadCache(f"an array of {code!r} has {len(raw)} bytes")
    values.frombytes(raw)
    if sys.byteorder == "big":
        values.byteswap()
    return values


def _check_matrix(vocab: dict, rows: int, data: array, indices: array, indptr: array) -> None:
    """A compressed-column matrix with ``rows`` rows whose columns ``vocab`` numbers."""
    columns = len(indptr) - 1
    if columns < 0 and rows == 0 and not data and not indices:
        return  # the empty index
    if columns < 0 or indptr[0] != 0 or indptr[-1] != len(data) or len(data) != len(indices):
        raise BadCache("the score matrix's arrays do not fit together")
    if any(a > b for a, b in zip(indptr, indptr[1:])) or (indices and (min(indices) < 0 or max(indices) >= rows)):
        raise BadCache("the score matrix points outside itself")
    if not (_all_of(str, vocab) and _all_of(int, vocab.values()) and (not vocab or min(vocab.values()) >= 0)):
        raise BadCache("the vocabulary is not text -> column")
    numbers = [c for c in vocab.values() if c < columns]
    if len(set(numbers)) != len(numbers):
        raise BadCache("two tokens share a column")


def _typed(value: Any, kind: type) -> Any:
    if not isinstance(value, kind):
        raise BadCache(f"expected {kind.__name__}, got {type(value).__name__}")
    return value
