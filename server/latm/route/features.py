"""What routing sees of a question: its tokens, and the template a set of questions shares.

Questions of one kind of task share fixed wording (a *template*: "Sort the following words
alphabetically: List: …") around parts that change (the words). A tool's template is what its
example questions have in common; a question fits a tool when it contains that template.

Tokens are lowercase words, single punctuation/operator marks (so ``((-1 + 2) * 3) =`` and
``[ < (`` have a shape too) and ``#`` for any number, plus adjacent pairs of these (bigrams, so
word order counts: "in reverse" is not "reverse in"). Stop words are kept on purpose: in
``not ( True ) and False`` they are the whole template.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Iterable, Mapping

_TOKEN = re.compile(r"[^\W\d_]+|\d+|[^\w\s]|_")
NUMBER = "#"

Template = dict[str, float]  # token -> share of the questions that contain it


def words(text: str) -> list[str]:
    """The unigram tokens of ``text`` in order (numbers folded to ``#``)."""
    return [NUMBER if token[0].isdigit() else token for token in _TOKEN.findall(text.lower())]


def features(text: str) -> frozenset[str]:
    """The set of unigram and bigram tokens of ``text``."""
    unigrams = words(text)
    return frozenset(unigrams).union(f"{a} {b}" for a, b in zip(unigrams, unigrams[1:]))


def template(question_features: list[frozenset[str]]) -> Template:
    """Tokens in at least half of the questions (and two), with their share; all of a single one's."""
    count = len(question_features)
    if count == 0:
        return {}
    if count == 1:
        return dict.fromkeys(question_features[0], 1.0)
    seen = Counter(token for found in question_features for token in found)
    least = max(2, (count + 1) // 2)
    return {token: n / count for token, n in seen.items() if n >= least}


def coverage(pattern: Template, found: Iterable[str] | frozenset[str], weight: Mapping[str, float] | None = None) -> float:
    """Share of ``pattern``'s (weighted) mass present in ``found``: 1.0 when all of it is there."""
    present = found if isinstance(found, (set, frozenset)) else frozenset(found)
    total = matched = 0.0
    for token, share in pattern.items():
        mass = share * (weight[token] if weight is not None else 1.0)
        total += mass
        if token in present:
            matched += mass
    return matched / total if total else 0.0


def self_coverage(question_features: list[frozenset[str]]) -> float:
    """How much of the template learnt from the others each example question covers, on average.

    A rigid template (word sorting) gives ~1.0, a loose one (boolean expressions) less; dividing
    a new question's coverage by it makes "fits" mean the same for both kinds of tool.
    """
    if len(question_features) < 3:
        return 1.0
    scores = []
    for i, found in enumerate(question_features):
        others = template(question_features[:i] + question_features[i + 1:])
        if others:
            scores.append(coverage(others, found))
    return max(0.05, sum(scores) / len(scores)) if scores else 1.0


def idf(document_frequency: int, documents: int) -> float:
    """Weight of a token found in ``document_frequency`` of ``documents`` templates: rare weighs more."""
    return math.log(1.0 + documents / max(1, document_frequency))
