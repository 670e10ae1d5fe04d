"""``latm make``, ``latm verify``, ``latm import-latm``: making and re-verifying tools from the shell."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from latm.cli.base import Result, command, stderr_progress
from latm.cli.living import refuse_if_answered
from latm.errors import ToolboxError, ToolNotFound
from latm.examples import read_examples_file, read_examples_stdin
from latm.make import MakeResult, VerifyResult, import_latm, make_tool, verify_tool
from latm.toolbox import suggest_name
from latm.workspace import Workspace


def _made(result: MakeResult, verb: str) -> Result:
    m = result.manifest
    cost = f", ${result.cost_usd:.4f}" if result.cost_usd is not None else ""
    lines = [f"{verb} {m.name}: verified {m.verification.passed}/{m.verification.total} in the "
             f"{m.verification.sandbox} sandbox; {'with a question parser (answers need no model)' if m.parser else 'no question parser'}",
             f"  maker tokens: {result.tokens_in} in, {result.tokens_out} out{cost}",
             f"  folder: {result.path}", *(f"  note: {n}" for n in result.notes)]
    return Result("\n".join(lines), result.record())


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
    return Result("\n".join(line for line, _data in rows), {"tools": tools}, 0 if all(t["verified"] for t in tools) else 1)


def _verified(ws: Workspace, name: str, alone: bool) -> tuple[str, dict]:
    """One tool's line and record; with every tool verified, one that cannot be does not stop the rest."""
    try:
        r = verify_tool(ws, name, progress=stderr_progress)
    except (ToolboxError, ToolNotFound) as err:
        if alone:
            raise
        return f"{name}: not verified: {err}", VerifyResult(name, 0, 0, (str(err),), ws.toolbox_dir / name, version=None).record()
    line = f"{r.name}: {r.passed}/{r.total} {'ok' if r.ok else 'FAILED'}" + (f"; {r.edit_note()}" if r.edit else "")
    line += "".join(f"\n  {f}" for f in r.failures)
    return line, r.record()
