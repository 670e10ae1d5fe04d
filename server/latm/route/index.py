"""The routing index over the verified tools of a toolbox, kept current as the registry changes.

Two steps per question:

1. *Recall*: a bm25s index over each tool's document (template tokens, summary, signature)
   gives the few tools worth a closer look, in well under a millisecond at 10,000 tools.
2. *Match*: each of those is scored on what decides a route. ``fit`` is how much of the tool's
   question template the question contains, relative to how much its own examples contain
   (1.0 = looks like one of its examples; an unseen kind of question stays well below).
   ``precision`` is how much of the question's recognised wording (the parts that belong to
   some candidate's template) belongs to this tool, so a near-miss tool whose template is a
   subset of the right one's ("sort words" vs "sort words in reverse") loses. ``score`` is
   their product.

Incremental: a changed tool gets a new profile at once (milliseconds); in the bm25s matrix its
old row is masked out and the new profile is matched directly ("fresh") until enough changes
pile up to rebuild the matrix, which happens off the lock while routing goes on.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections import Counter
from dataclasses import dataclass
from typing import Mapping, Optional

import bm25s
import numpy as np

from latm.route.features import coverage, features, idf
from latm.route.profile import ToolProfile, profile_of
from latm.toolbox.registry import Registry, Tool

RECALL = 20  # tools taken from the lexical index for matching
COMPACT_AFTER = 64  # changed tools matched directly before the lexical index is rebuilt

logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs each index build at INFO


@dataclass(frozen=True)
class Match:
    name: str
    score: float  # fit × precision, 0..1
    fit: float  # 0..1, see the module docstring
    precision: float


class _Lexical:
    """An immutable bm25s index over a snapshot of profiles; row i is ``names[i]``."""

    def __init__(self, profiles: Mapping[str, ToolProfile]) -> None:
        self.profiles = dict(profiles)
        self.names = tuple(sorted(self.profiles))
        self.rows = {name: row for row, name in enumerate(self.names)}
        self.retriever: Optional[bm25s.BM25] = None
        if self.names:
            self.retriever = bm25s.BM25()
            self.retriever.index([list(self.profiles[n].document) for n in self.names], show_progress=False)

    def top(self, tokens: frozenset[str], mask: np.ndarray, k: int) -> list[str]:
        if self.retriever is None:
            return []
        vocabulary = self.retriever.vocab_dict
        ids = sorted({vocabulary[t] for t in tokens if t in vocabulary})
        if not ids:
            return []
        scores = self.retriever.get_scores_from_ids(ids, weight_mask=mask)
        k = min(k, len(scores))
        best = np.argpartition(-scores, k - 1)[:k]
        return [self.names[row] for row in best if scores[row] > 0]


class ToolIndex:
    """Thread-safe; ``update`` is called with the registry's tools after every (re)load."""

    def __init__(self, compact_after: int = COMPACT_AFTER) -> None:
        self.compact_after = compact_after
        self._lock = threading.Lock()
        self._compacting = threading.Lock()
        self._profiles: dict[str, ToolProfile] = {}
        self._df: Counter = Counter()  # token -> number of templates holding it
        self._lexical = _Lexical({})
        self._mask = np.ones(0, dtype=np.float32)
        self._fresh: set[str] = set()  # profiles the lexical index does not hold as they are now
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
            backlog = len(self._fresh) + int(self._mask.size - self._mask.sum())
        if backlog > self.compact_after or not self._lexical.names:
            self.compact()

    def _forget(self, name: str) -> None:
        old = self._profiles.pop(name, None)
        if old is not None:
            self._df.subtract(old.template.keys())
        self._fresh.discard(name)
        row = self._lexical.rows.get(name)
        if row is not None:
            self._mask[row] = 0.0

    def compact(self) -> None:
        """Rebuild the lexical index from the current profiles (routing continues meanwhile)."""
        with self._compacting:
            with self._lock:
                snapshot = dict(self._profiles)
            lexical = _Lexical(snapshot)
            with self._lock:
                changed = {n for n, p in self._profiles.items() if snapshot.get(n) is not p}
                mask = np.ones(len(lexical.names), dtype=np.float32)
                for name in lexical.names:
                    if self._profiles.get(name) is not lexical.profiles[name]:
                        mask[lexical.rows[name]] = 0.0
                self._lexical, self._mask, self._fresh = lexical, mask, changed
                self.compactions += 1

    def search(self, question: str, limit: int = 5) -> list[Match]:
        """The best-matching tools for ``question``, best first (only those sharing any template)."""
        found = features(question)
        with self._lock:
            names = set(self._lexical.top(found, self._mask, RECALL)) | self._fresh
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


def index_for(registry: Registry) -> ToolIndex:
    """The index of ``registry``, built on first use and updated by the registry's reloads."""
    with _indexes_lock:
        index = _indexes.get(registry)
        if index is None:
            index = ToolIndex()
            owner = weakref.ref(registry)  # the listener must not keep the registry alive

            def listener(names: set[str]) -> None:
                alive = owner()
                if alive is not None:
                    index.update(alive.tools, names)

            registry.subscribe(listener)
            index.update(registry.tools, set(registry.tools))
            _indexes[registry] = index
        return index
