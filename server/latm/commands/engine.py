"""``latm make``, ``latm solve``, ``latm verify``, ``latm import-latm``: the engine from the shell."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Optional

from latm.commands.base import Result, command, stderr_progress
from latm.commands.living import refuse_if_answered
from latm.dispatch import answer_batch, answer_question
from latm.engine import MakeResult, import_latm, make_tool, read_examples_file
from latm.engine.examples import read_examples_stdin
from latm.engine.verify import verify_tool
from latm.errors import EmptyQuestion, ToolboxError, ToolNotFound
from latm.safe_text import has_controls
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
        scan, default = read_examples_stdin(sys.stdin.buffer), "tool"
    else:
        scan, default = read_examples_file(Path(args.examples)), Path(args.examples).stem
    if not args.force:
        refuse_if_answered(ws, scan.examples, args.examples)
    return _made(make_tool(ws, scan, args.name or suggest_name(default), progress=stderr_progress), "made")


@command("import-latm")
def import_transcript(ws: Workspace, args: argparse.Namespace) -> Result:
    return _made(import_latm(ws, args.transcript, args.name, progress=stderr_progress), "imported")


@command("verify")
def verify(ws: Workspace, args: argparse.Namespace) -> Result:
    names = [args.name] if args.name else sorted(set(ws.registry.tools) | set(ws.registry.broken))
    if not names:
        return Result(f"No tools in {ws.toolbox_dir} to verify.", {"tools": []})
    rows = [_verified(ws, name, alone=bool(args.name)) for name in names]
    tools = [data for _line, data in rows]
    return Result("\n".join(line for line, _data in rows), {"tools": tools}, 0 if all(t["ok"] for t in tools) else 1)


def _verified(ws: Workspace, name: str, alone: bool) -> tuple[str, dict]:
    """One tool's line and record; with every tool verified, one that cannot be does not stop the rest."""
    try:
        r = verify_tool(ws, name, progress=stderr_progress)
    except (ToolboxError, ToolNotFound) as err:
        if alone:
            raise
        return f"{name}: not verified: {err}", {"name": name, "passed": 0, "total": 0, "ok": False, "failures": [str(err)]}
    line = f"{r.name}: {r.passed}/{r.total} {'ok' if r.ok else 'FAILED'}" + (f"; {r.edit_note()}" if r.edit else "")
    line += "".join(f"\n  {f}" for f in r.failures)
    return line, {"name": r.name, "passed": r.passed, "total": r.total, "ok": r.ok, "failures": list(r.failures),
                  "edit": r.edit, "version": r.version}


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
    how += "; control characters escaped" if has_controls(answer.answer) else ""
    warning = f"\n  warning: {answer.warning}" if answer.warning else ""
    return Result(f"{answer.answer}\n  ({answer.tool}; {how}){warning}" if answer.tool else answer.answer, answer.to_json())


def _solve_batch(ws: Workspace, in_path: Path, tool: Optional[str]) -> Result:
    summary = answer_batch(ws, in_path, tool, progress=stderr_progress)
    paths = ", ".join(f"{path} {n}" for path, n in sorted(summary.by_path.items()))
    print(f"latm: {summary.answered}/{summary.total} answered{f' ({paths})' if paths else ''}, {summary.errors} errors, "
          f"{summary.tokens} tokens, {summary.seconds:.2f} s", file=sys.stderr)
    if summary.sandbox_errors:
        print(f"latm: {summary.sandbox_errors} of {summary.total} answers failed because of the sandbox: "
              f"{summary.sandbox_error}", file=sys.stderr)
    lines = "".join(json.dumps(a.to_json(), ensure_ascii=False) + "\n" for a in summary.answers)
    return Result(lines.rstrip("\n"), [a.to_json() for a in summary.answers], 1 if summary.sandbox_errors else 0)

