"""The paper's cost argument, measured: a tool costs its making once, then its use per question;
the strong model alone (``maker-cot``) costs its answer per question. The break-even point is the
first question count at which the tool's total is no more than the strong model's:
``making + n·c <= n·C``, with ``c`` and ``C`` the measured mean costs per question.
"""

from __future__ import annotations

import math
from typing import Optional

from latm.eval.arguments import TOOL_METHODS
from latm.eval.tally import Tally

BASELINE = "maker-cot"
EXTEND = 1.25  # the plot runs this far past the break-even point when that lies beyond the test set


def break_even(making: float, tool_per_question: float, baseline_per_question: float) -> Optional[int]:
    """Questions after which the tool has paid for itself; None when it never does."""
    if making <= 0:
        return 0
    if baseline_per_question <= tool_per_question:
        return None
    return math.ceil(making / (baseline_per_question - tool_per_question) - 1e-12)


def break_evens(tallies: list[Tally], making_usd: Optional[float]) -> list[dict]:
    """One record per tool method that ran: when it pays off against ``maker-cot``, and why not."""
    baseline = next((t for t in tallies if t.method.name == BASELINE), None)
    found = []
    for tally in tallies:
        if tally.method.name not in TOOL_METHODS or not tally.answered:
            continue
        record = {"method": tally.method.name, "against": BASELINE, "questions": None, "cost_usd": None,
                  "making_usd": making_usd, "per_question_usd": tally.per_question(),
                  "baseline_per_question_usd": baseline.per_question() if baseline else None}
        record["note"] = _why_unknown(tally, baseline, making_usd)
        if not record["note"]:
            n = break_even(making_usd, tally.per_question(), baseline.per_question())
            record["questions"] = n
            record["cost_usd"] = None if n is None else making_usd + n * tally.per_question()
            record["note"] = "" if n is not None else "never: the tool costs as much per question as maker-cot"
        found.append(record)
    return found


def _why_unknown(tally: Tally, baseline: Optional[Tally], making_usd: Optional[float]) -> str:
    if baseline is None or not baseline.answered:
        return f"{BASELINE} did not run"
    if not baseline.priced or not tally.priced:
        return "a model without a price in the price table"
    if making_usd is None:
        return "the making cost is not known (not in this workspace's ledger)"
    return ""


def cumulative(tallies: list[Tally], making_usd: Optional[float], evens: list[dict]) -> dict:
    """What the cumulative-cost plot draws: per priced method, measured points (x questions, y $),
    and past the last measured point a straight line at the mean cost up to the break-even point."""
    reach = max([t.answered for t in tallies] + [math.ceil((e["questions"] or 0) * EXTEND) for e in evens])
    drawn = {}
    for tally in tallies:
        if not tally.answered or not tally.priced:
            continue
        start = (making_usd or 0.0) if tally.method.name in TOOL_METHODS else 0.0
        xs = [n for n, _ in tally.series]
        ys = [start + cost for _, cost in tally.series]
        line = {"x": xs, "y": ys, "start_usd": start, "extension": None}
        if reach > xs[-1]:
            line["extension"] = {"x": [xs[-1], reach], "y": [ys[-1], start + reach * tally.per_question()]}
        drawn[tally.method.name] = line
    marks = [{"method": e["method"], "x": e["questions"], "y": e["cost_usd"]} for e in evens if e["questions"] is not None]
    return {"lines": drawn, "break_even": marks}
