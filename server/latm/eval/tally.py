"""One method's numbers, added up one question at a time in constant memory (but its latencies).

Accuracy is correct / questions answered, with a 95% Wilson score interval. Cost is priced from
each question's tokens with the settings' price table (as the ledger is); a method whose model
has no price has no cost. The cumulative cost is kept at ``SERIES_POINTS`` evenly spaced
question counts, which is what the cost plot draws.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from typing import Optional

from latm.eval.methods import Method, Outcome
from latm.settings import Price, Settings

Z95 = 1.959963984540054
SERIES_POINTS = 200
FREE = Price(0.0, 0.0)


def wilson(correct: int, total: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of ``correct / total``; (0, 1) when nothing was answered."""
    if total <= 0:
        return 0.0, 1.0
    p = correct / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half))  # p inside, whatever the rounding


def percentile(ordered: list, q: float) -> Optional[float]:
    """The ``q`` quantile (0..1) of sorted values, interpolated linearly between ranks; None when empty."""
    if not ordered:
        return None
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


class Tally:
    def __init__(self, method: Method, settings: Settings, planned: int) -> None:
        self.method, self.planned = method, planned
        self.price: Optional[Price] = settings.price(method.model) if method.model else FREE
        self.status, self.reason = ("skipped", method.skipped) if method.skipped else ("not run", "")
        self.answered = self.correct = self.cached = self.tokens_in = self.tokens_out = 0
        self.cost_usd = self.spent_usd = 0.0
        self.errors: Counter = Counter()
        self.latencies = array("d")
        self.step = max(1, math.ceil(planned / SERIES_POINTS))
        self.series: list[tuple[int, float]] = [(0, 0.0)]

    def cost(self, outcome: Outcome) -> Optional[float]:
        return self.price.cost(outcome.tokens_in, outcome.tokens_out) if self.price else None

    def add(self, outcome: Outcome, correct: bool, cached: bool) -> None:
        self.answered += 1
        self.correct += correct
        self.cached += cached
        self.tokens_in += outcome.tokens_in
        self.tokens_out += outcome.tokens_out
        cost = self.cost(outcome) or 0.0
        self.cost_usd += cost
        self.spent_usd += 0.0 if cached else cost
        if outcome.kind:
            self.errors[outcome.kind] += 1
        self.latencies.append(outcome.latency_ms)
        if self.answered % self.step == 0 or self.answered == self.planned:
            self.series.append((self.answered, self.cost_usd))

    @property
    def priced(self) -> bool:
        return self.price is not None

    def per_question(self) -> Optional[float]:
        return self.cost_usd / self.answered if self.answered and self.priced else None

    def record(self) -> dict:
        ordered = sorted(self.latencies)
        low, high = wilson(self.correct, self.answered)
        per_question = self.per_question()
        return {
            "method": self.method.name, "model": self.method.model, "role": self.method.role,
            "status": self.status, "reason": self.reason,
            "correct": self.correct, "total": self.answered, "planned": self.planned,
            "accuracy": self.correct / self.answered if self.answered else None, "ci95": [low, high],
            "tokens_in": self.tokens_in, "tokens_out": self.tokens_out,
            "cost_usd": self.cost_usd if self.priced else None,
            "cost_per_1k_usd": per_question * 1000 if per_question is not None else None,
            "spent_usd": self.spent_usd if self.priced else None, "cached": self.cached,
            "latency_ms": {"p50": percentile(ordered, 0.5), "p95": percentile(ordered, 0.95)},
            "errors": dict(sorted(self.errors.items())),
        }
