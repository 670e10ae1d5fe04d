"""``latm eval``: does a tool pay off on this data, against which baselines, at what cost."""

from __future__ import annotations

import argparse
import logging
import sys

from latm.cli.base import Result, command, stderr_progress
from latm.eval.evaluation import Request, evaluate
from latm.workspace import Workspace


@command("eval")
def eval_command(ws: Workspace, args: argparse.Namespace) -> Result:
    if not args.verbose:  # a line per model request would bury the progress bars
        for name in ("httpx", "httpx2"):  # the openai SDK's HTTP client, by its version
            logging.getLogger(name).setLevel(logging.WARNING)
    request = Request(args.data, args.tool, args.make, args.train, args.validation, args.skip, args.limit,
                      args.methods, args.concurrency, args.out, args.cot_prompt)
    done = evaluate(ws, request, progress=stderr_progress)
    report = done.out / "report.md"
    lines = [table_line(m) for m in done.summary["methods"]]
    lines += [f"break-even: {e['method']} after {e['questions']:,} questions" if e["questions"] is not None
              else f"break-even: {e['method']}: {e['note']}" for e in done.summary["break_even"]]
    if done.status == "complete":
        lines.append(f"report: {report}")
    else:
        lines.append(f"{done.status}: a partial report is in {report}; run the same command again to finish "
                     "(answers already given come from the cache).")
    if args.json:  # stdout carries the record; people still read the table
        print("\n".join(lines), file=sys.stderr)
    return Result("\n".join(lines), done.summary, 0 if done.status == "complete" else 130)


def table_line(m: dict) -> str:
    if m["status"] == "skipped":
        return f"{m['method']:<12} skipped: {m['reason']}"
    accuracy = "   —  " if m["accuracy"] is None else f"{m['accuracy'] * 100:5.1f}%"
    low, high = (x * 100 for x in m["ci95"])
    cost = "no price" if m["cost_per_1k_usd"] is None else f"${m['cost_per_1k_usd']:.4f}/1k q"
    status = "" if m["status"] == "done" else f"  [{m['status']}{': ' + m['reason'] if m['reason'] else ''}]"
    return f"{m['method']:<12} {m['correct']:>5}/{m['total']:<5} {accuracy} [{low:5.1f}–{high:5.1f}]  {cost}{status}"
