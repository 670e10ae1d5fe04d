"""``latm make``, ``latm solve``, ``latm verify``, ``latm import-latm``: the engine from the shell."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Optional

from latm.commands.base import Result, command, stderr_progress
from latm.dispatch import answer_batch, answer_question
from latm.engine import MakeResult, import_latm, make_tool, read_examples_file, scan_examples
from latm.engine.verify import verify_tool
from latm.errors import EmptyQuestion
from latm.toolbox.names import suggest_name
from latm.workspace import Workspace


def _made(result: MakeResult, verb: str) -> Result:
    m = result.manifest
    cost = f", ${result.cost_usd:.4f}" if result.cost_usd is not None else ""
    lines = [f"{verb} {m.name}: verified {m.verification.passed}/{m.verification.total} in the "
             f"{m.verification.sandbox} sandbox; {'with a question parser (answers need no model)' if m.parser else 'no question parser'}",
             f"  maker tokens: {result.tokens_in} in, {result.tokens_out} out{cost}",
             f"  folder: {result.path}", *(f"  note: {n}" for n in result.notes)]
    data = {"name": m.name, "path": str(result.path), "verification": {"passed": m.verification.passed,
            "total": m.verification.total, "sandbox": m.verification.sandbox}, "parser": m.parser is not None,
            "attempts": result.attempts, "tokens_in": result.tokens_in, "tokens_out": result.tokens_out,
            "cost_usd": result.cost_usd, "notes": list(result.notes)}
    return Result("\n".join(lines), data)


@command("make")
def make(ws: Workspace, args: argparse.Namespace) -> Result:
    if args.examples == "-":
        scan, default = scan_examples(sys.stdin.read()), "tool"
    else:
        scan, default = read_examples_file(Path(args.examples)), Path(args.examples).stem
    return _made(make_tool(ws, scan, args.name or suggest_name(default), progress=stderr_progress), "made")


@command("import-latm")
def import_transcript(ws: Workspace, args: argparse.Namespace) -> Result:
    return _made(import_latm(ws, args.transcript, args.name, progress=stderr_progress), "imported")


@command("verify")
def verify(ws: Workspace, args: argparse.Namespace) -> Result:
    names = [args.name] if args.name else sorted(set(ws.registry.tools) | set(ws.registry.broken))
    if not names:
        return Result(f"No tools in {ws.toolbox_dir} to verify.", {"tools": []})
    results = [verify_tool(ws, name, progress=stderr_progress) for name in names]
    lines = [f"{r.name}: {r.passed}/{r.total} {'ok' if r.ok else 'FAILED'}" + "".join(f"\n  {f}" for f in r.failures)
             for r in results]
    data = {"tools": [{"name": r.name, "passed": r.passed, "total": r.total, "ok": r.ok, "failures": list(r.failures)}
                      for r in results]}
    return Result("\n".join(lines), data, 0 if all(r.ok for r in results) else 1)


@command("solve")
def solve_command(ws: Workspace, args: argparse.Namespace) -> Result:
    if args.batch:
        return _solve_batch(ws, args.batch, args.tool)
    question = (args.question or "").strip()
    if not question:
        raise EmptyQuestion('Give a question: latm solve "QUESTION" [--tool NAME], or --batch IN.jsonl.')
    answer = answer_question(ws, question, args.tool).answer
    if answer.answer is None:
        return Result(f"latm: {answer.error}", answer.to_json(), 1)
    how = "no model" if answer.path == "parser" else f"{answer.path}, {answer.tokens} tokens"
    return Result(f"{answer.answer}\n  ({answer.tool}; {how})" if answer.tool else answer.answer, answer.to_json())


def _solve_batch(ws: Workspace, in_path: Path, tool: Optional[str]) -> Result:
    summary = answer_batch(ws, in_path, tool, progress=stderr_progress)
    paths = ", ".join(f"{path} {n}" for path, n in sorted(summary.by_path.items()))
    print(f"latm: {summary.answered}/{summary.total} answered{f' ({paths})' if paths else ''}, {summary.errors} errors, "
          f"{summary.tokens} tokens, {summary.seconds:.2f} s", file=sys.stderr)
    lines = "".join(json.dumps(a.to_json(), ensure_ascii=False) + "\n" for a in summary.answers)
    return Result(lines.rstrip("\n"), [a.to_json() for a in summary.answers], 0)

