"""``latm eval``: does a tool pay off on this data, against which baselines, at what cost."""

from __future__ import annotations

import argparse

from latm.commands.base import Result, command, stderr_progress
from latm.eval.evaluation import Request, evaluate
from latm.workspace import Workspace


@command("eval")
def eval_command(ws: Workspace, args: argparse.Namespace) -> Result:
    request = Request(args.data, args.tool, args.make, args.train, args.validation, args.skip, args.limit,
                      args.methods, args.concurrency, args.out, args.cot_prompt)
    done = evaluate(ws, request, progress=stderr_progress)
    report = done.out / "report.md"
    lines = [table_line(m) for m in done.summary["methods"]]
    lines += [f"break-even: {e['method']} after {e['questions']:,} questions" if e["questions"] is not None
              else f"break-even: {e['method']}: {e['note']}" for e in done.summary["break_even"]]
    if done.status == "complete":
        return Result("\n".join(lines + [f"report: {report}"]), done.summary)
    lines.append(f"{done.status}: a partial report is in {report}; run the same command again to finish "
                 "(answers already given come from the cache).")
    return Result("\n".join(lines), done.summary, 130)


def table_line(m: dict) -> str:
    if m["status"] == "skipped":
        return f"{m['method']:<12} skipped: {m['reason']}"
    accuracy = "   —  " if m["accuracy"] is None else f"{m['accuracy'] * 100:5.1f}%"
    low, high = (x * 100 for x in m["ci95"])
    cost = "no price" if m["cost_per_1k_usd"] is None else f"${m['cost_per_1k_usd']:.4f}/1k q"
    status = "" if m["status"] == "done" else f"  [{m['status']}{': ' + m['reason'] if m['reason'] else ''}]"
    return f"{m['method']:<12} {m['correct']:>5}/{m['total']:<5} {accuracy} [{low:5.1f}–{high:5.1f}]  {cost}{status}"
