"""The routing index over the verified tools of a toolbox, kept current as the registry changes.

Two steps per question:

1. *Recall*: a BM25 index over each tool's document (template tokens, summary, signature),
   built by bm25s and kept as its score matrix, gives the few tools worth a closer look, in
   well under a millisecond at 10,000 tools.
2. *Match*: each of those is scored on what decides a route. ``fit`` is how much of the tool's
   question template the question contains, relative to how much its own examples contain
   (1.0 = looks like one of its examples; an unseen kind of question stays well below).
   ``precision`` is how much of the question's recognised wording (the parts that belong to
   some candidate's template) belongs to this tool, so a near-miss tool whose template is a
   subset of the right one's ("sort words" vs "sort words in reverse") loses. ``score`` is
   their product.

Incremental: a changed tool gets a new profile at once (milliseconds); in the bm25s matrix its
old row is masked out and the new profile is matched directly ("fresh") until enough changes
pile up to rebuild the matrix, which happens off the lock while routing goes on. The index is
kept in ``.latm/cache/`` (``index_cache``) between processes, so a one-shot command starts from
it and takes in only the tools that changed.

bm25s (with scipy and numpy) is imported when an index is built, not with latm nor to search.
"""

from __future__ import annotations

import heapq
import logging
import threading
import weakref
from array import array
from collections import Counter
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Mapping, Optional

from latm import collector
from latm.route import index_cache
from latm.route.features import coverage, features, idf
from latm.route.profile import ToolProfile, profile_of
from latm.toolbox.registry import Registry, Tool

if TYPE_CHECKING:
    from latm.workspace import Workspace

RECALL = 20  # tools taken from the lexical index for matching
COMPACT_AFTER = 64  # changed tools matched directly before the lexical index is rebuilt


@dataclass(frozen=True)
class Match:
    name: str
    score: float  # fit × precision, 0..1
    fit: float  # 0..1, see the module docstring
    precision: float


# The score matrix's arrays (array module type codes): scores, row numbers, column starts.
ARRAYS = {"data": "f", "indices": "i", "indptr": "q"}


class Lexical:
    """An immutable BM25 index over a snapshot of profiles; row i is ``names[i]``, column j the
    token ``vocab`` numbers j: its rows are ``indices[indptr[j]:indptr[j + 1]]``, with the
    scores ``data[...]`` (bm25s's eager score matrix, compressed by column, as plain arrays)."""

    def __init__(self, profiles: Mapping[str, Optional[ToolProfile]], names: tuple[str, ...],
                 vocab: Mapping[str, int], data: array, indices: array, indptr: array) -> None:
        self.profiles = dict(profiles)  # None: a row whose tool has changed since (restored from a cache)
        self.names = names
        self.rows = {name: row for row, name in enumerate(names)}
        columns = max(len(indptr) - 1, 0)
        self.vocab = {token: column for token, column in vocab.items() if column < columns}  # bm25s numbers "" beyond
        self.data, self.indices, self.indptr = data, indices, indptr

    @classmethod
    def build(cls, profiles: Mapping[str, ToolProfile]) -> "Lexical":
        names = tuple(sorted(profiles))
        if not names:
            return cls({}, (), {}, *(array(code) for code in ARRAYS.values()))
        import bm25s  # with scipy and numpy, ~0.2 s to import: only when an index is built

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs each build at INFO (set as it is imported)
        retriever = bm25s.BM25()
        retriever.index([list(profiles[n].document) for n in names], show_progress=False)
        arrays = [array(code, retriever.scores[key].astype(code).tobytes()) for key, code in ARRAYS.items()]
        return cls(profiles, names, retriever.vocab_dict, *arrays)

    def scores(self, tokens: frozenset[str]) -> dict[int, float]:
        """Each row's BM25 score for ``tokens`` (rows that hold none of them left out): bm25s's
        scores, summed column by column as bm25s sums them, in double precision and without numpy."""
        scores: dict[int, float] = {}
        get = scores.get
        for column in sorted({self.vocab[t] for t in tokens if t in self.vocab}):
            start, end = self.indptr[column], self.indptr[column + 1]
            for row, score in zip(self.indices[start:end], self.data[start:end]):
                scores[row] = get(row, 0.0) + score
        return scores

    def top(self, tokens: frozenset[str], masked: set[int], k: int) -> list[str]:
        """The ``k`` rows (not ``masked``) that score best for ``tokens``."""
        scores = self.scores(tokens)
        for row in masked:
            scores.pop(row, None)
        return [self.names[row] for row, score in heapq.nlargest(k, scores.items(), key=itemgetter(1)) if score > 0]


class ToolIndex:
    """Thread-safe; ``update`` is called with the registry's tools after every (re)load."""

    def __init__(self, compact_after: int = COMPACT_AFTER, profiles: Optional[Mapping[str, ToolProfile]] = None,
                 lexical: Optional[Lexical] = None) -> None:
        """An empty index, or one restored from ``profiles`` and the ``lexical`` index built earlier."""
        self.compact_after = compact_after
        self._lock = threading.Lock()
        self._compacting = threading.Lock()
        self._profiles: dict[str, ToolProfile] = dict(profiles or {})
        self._df: Counter = Counter(t for p in self._profiles.values() for t in p.template)  # token -> templates holding it
        self._lexical = lexical or Lexical.build({})
        self._masked, self._fresh = self._out_of_date(self._lexical)
        self.compactions = 0  # rebuilds of the lexical index; benchmarks read it

    def __len__(self) -> int:
        return len(self._profiles)

    def names(self) -> list[str]:
        return sorted(self._profiles)

    def profile(self, name: str) -> Optional[ToolProfile]:
        return self._profiles.get(name)

    def update(self, tools: Mapping[str, Tool], names: set[str]) -> None:
        """Re-read ``names`` from ``tools``; only usable tools (verified, or regressed) are routed to."""
        built = {n: profile_of(t) for n in names if (t := tools.get(n)) is not None and t.usable}
        with self._lock:
            for name in names:
                self._forget(name)
                if name in built:
                    self._profiles[name] = built[name]
                    self._df.update(built[name].template.keys())
                    self._fresh.add(name)
            backlog = len(self._fresh) + len(self._masked)
        if backlog > self.compact_after or not self._lexical.names:
            self.compact()

    def changed(self, tools: Mapping[str, Tool]) -> set[str]:
        """The names whose profile is not of the usable tool in ``tools`` as it is now."""
        usable = {name: tool.key for name, tool in tools.items() if tool.usable}
        return {n for n in set(usable) | set(self._profiles)
                if n not in usable or n not in self._profiles or self._profiles[n].key != usable[n]}

    def _forget(self, name: str) -> None:
        old = self._profiles.pop(name, None)
        if old is not None:
            self._df.subtract(old.template.keys())
        self._fresh.discard(name)
        row = self._lexical.rows.get(name)
        if row is not None:
            self._masked.add(row)

    def _out_of_date(self, lexical: Lexical) -> tuple[set[int], set[str]]:
        """The rows of ``lexical`` that no longer hold a profile as it is, and the profiles it lacks."""
        current = {n for n in lexical.names if lexical.profiles.get(n) is not None
                   and self._profiles.get(n) is lexical.profiles[n]}
        return {lexical.rows[n] for n in lexical.names if n not in current}, set(self._profiles) - current

    def compact(self) -> None:
        """Rebuild the lexical index from the current profiles (routing continues meanwhile)."""
        with self._compacting:
            with self._lock:
                snapshot = dict(self._profiles)
            lexical = Lexical.build(snapshot)
            with self._lock:
                self._lexical = lexical
                self._masked, self._fresh = self._out_of_date(lexical)
                self.compactions += 1

    def state(self) -> tuple[dict[str, ToolProfile], Lexical]:
        """The profiles and the lexical index as they are now (for ``index_cache``)."""
        with self._lock:
            return dict(self._profiles), self._lexical

    def search(self, question: str, limit: int = 5) -> list[Match]:
        """The best-matching tools for ``question``, best first (only those sharing any template)."""
        found = features(question)
        with self._lock:
            names = set(self._lexical.top(found, self._masked, RECALL)) | self._fresh
            profiles = [self._profiles[n] for n in names if n in self._profiles]
            count = len(self._profiles)
            weight = {t: idf(self._df[t], count) for p in profiles for t in p.template}
        matches = _match(profiles, found, weight)
        matches.sort(key=lambda m: (-m.score, -m.fit, m.name))
        return matches[:limit]
def _match(profiles: list[ToolProfile], found: frozenset[str], weight: dict[str, float]) -> list[Match]:
    recognised = sum(w for t, w in weight.items() if t in found)  # the question's template-like wording
    matches = []
    for profile in profiles:
        shared = sum(weight[t] for t in profile.template if t in found)
        if not shared:
            continue
        fit = min(1.0, coverage(profile.template, found, weight) / profile.self_cover)
        precision = shared / recognised
        matches.append(Match(profile.name, round(fit * precision, 4), round(fit, 4), round(precision, 4)))
    return matches


_indexes: "weakref.WeakKeyDictionary[Registry, ToolIndex]" = weakref.WeakKeyDictionary()
_indexes_lock = threading.Lock()


def index_for(ws: Workspace) -> ToolIndex:
    """The index of the workspace's registry: on first use, the one kept in ``.latm/cache/`` with the
    tools changed since taken in (or built anew); then updated by the registry's reloads."""
    registry = ws.registry
    with _indexes_lock:
        index = _indexes.get(registry)
        if index is None:
            index = _from_cache(ws.state_path, registry)
            owner = weakref.ref(registry)  # the listener must not keep the registry alive

            def listener(names: set[str]) -> None:
                alive = owner()
                if alive is not None:
                    index.update(alive.tools, names)

            registry.subscribe(listener)
            _indexes[registry] = index
        return index


def _from_cache(state_dir: Path, registry: Registry) -> ToolIndex:
    with collector.paused():
        return _restored(state_dir, registry)


def _restored(state_dir: Path, registry: Registry) -> ToolIndex:
    tools = registry.tools
    index = index_cache.load(state_dir, registry.toolbox_dir) or ToolIndex()
    changed = index.changed(tools)
    if changed:
        index.update(tools, changed)
        index_cache.save(state_dir, registry.toolbox_dir, *index.state())
    return index
