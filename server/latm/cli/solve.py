"""``latm solve``: a question (or a file of them) routed, answered with a tool and counted."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import threading
from pathlib import Path
from typing import Optional

from latm.cli.base import Result, command, stderr_progress
from latm.errors import EmptyQuestion
from latm.questions import answer_batch, answer_question
from latm.safe_text import has_controls
from latm.workspace import Workspace


@command("solve")
def solve_command(ws: Workspace, args: argparse.Namespace) -> Result:
    if args.batch:
        return _solve_batch(ws, args.batch, args.tool)
    question = (args.question or "").strip()
    if not question:
        raise EmptyQuestion('Give a question: latm solve "QUESTION" [--tool NAME], or --batch IN.jsonl.')
    # One question needs one container: a second one warming beside it costs a start and a removal.
    ws.settings = dataclasses.replace(ws.settings, sandbox_pool=1)
    ws.kept_sandbox = True  # the sandbox keeper holds it warm from one command to the next
    # Opening the sandbox (Docker: its SDK, the engine, the image) overlaps loading the toolbox and
    # routing; a failure is raised again, and reported, where the answer needs the sandbox.
    threading.Thread(target=_open_sandbox, args=(ws,), name="latm-open-sandbox", daemon=True).start()
    asked = answer_question(ws, question, args.tool)
    answer = asked.answer
    if answer.answer is None:
        return Result(f"latm: {answer.error}", asked.record(), 1)
    how = "no model" if answer.path == "parser" else f"{answer.path}, {answer.tokens} tokens"
    how += "; control characters escaped" if has_controls(answer.answer) else ""
    warning = f"\n  warning: {answer.warning}" if answer.warning else ""
    return Result(f"{answer.answer}\n  ({answer.tool}; {how}){warning}" if answer.tool else answer.answer, asked.record())


def _open_sandbox(ws: Workspace) -> None:
    try:
        ws.sandbox()
    except Exception:  # the answer's own use of the sandbox raises it again, and reports it
        pass


def _solve_batch(ws: Workspace, in_path: Path, tool: Optional[str]) -> Result:
    summary = answer_batch(ws, in_path, tool, progress=stderr_progress)
    paths = ", ".join(f"{path} {n}" for path, n in sorted(summary.by_path.items()))
    print(f"latm: {summary.answered}/{summary.total} answered{f' ({paths})' if paths else ''}, {summary.errors} errors, "
          f"{summary.tokens} tokens, {summary.seconds:.2f} s", file=sys.stderr)
    if summary.sandbox_errors:
        print(f"latm: {summary.sandbox_errors} of {summary.total} answers failed because of the sandbox: "
              f"{summary.sandbox_error}", file=sys.stderr)
    lines = "".join(json.dumps(a.record(), ensure_ascii=False) + "\n" for a in summary.answers)
    return Result(lines.rstrip("\n"), [a.record() for a in summary.answers], 1 if summary.sandbox_errors else 0)

