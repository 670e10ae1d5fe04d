"""``latm route``: which tool the dispatcher picks for a question, and why."""

from __future__ import annotations

import argparse

from latm.cli.base import Result, command, money
from latm.route import route
from latm.workspace import Workspace


@command("route")
def route_question(ws: Workspace, args: argparse.Namespace) -> Result:
    decision = route(ws, args.question, offline=args.offline)
    head = f"Tool: {decision.tool}" if decision.tool else "No tool fits."
    lines = [head, f"  why: {decision.reason}"]
    if decision.used_model:
        lines.append(f"  dispatcher model: {decision.tokens} tokens" + money(decision.cost_usd, ", "))
    if decision.candidates:
        lines.append("  candidates (score = fit x precision):")
        lines += [f"    {m.name:<32} score {m.score:.2f}  fit {m.fit:.2f}  precision {m.precision:.2f}"
                  for m in decision.candidates]
    return Result("\n".join(lines), decision.record())
