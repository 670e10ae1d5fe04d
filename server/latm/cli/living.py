"""``latm feedback``, ``latm repair``, ``latm history``, ``latm rollback``, ``latm prune``: a toolbox
that learns from corrections, repairs its tools, keeps their versions and drops what nobody uses."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Sequence

from latm.cli.base import Result, command, stderr_progress
from latm.errors import AlreadyAnswered, NotEnoughExamples
from latm.examples import read_examples_file, read_examples_stdin
from latm.make import (
    add_examples, history_record, read_tool_contents, remake_tool, repair_tool, rollback_tool, tool_that_answers,
)
from latm.toolbox import Example
from latm.workspace import Workspace


def refuse_if_answered(ws: Workspace, examples: Sequence[Example], source: str) -> None:
    """Before a make (without --force): stop when a tool already answers every example."""
    found = tool_that_answers(ws, examples)
    if found is not None:
        raise AlreadyAnswered(found.message(f"add them to it with `latm feedback {found.tool} --file {source}`, or make "
                                            f"a new tool anyway with `latm make {source} --force`."))


@command("feedback")
def feedback(ws: Workspace, args: argparse.Namespace) -> Result:
    if args.file:
        scan = read_examples_stdin(sys.stdin.buffer) if args.file == "-" else read_examples_file(Path(args.file))
        examples = scan.examples
        if not examples:
            raise NotEnoughExamples(f"No examples found in {args.file}: {'; '.join(scan.issues()) or 'give them as Question:/Answer: blocks, a table or JSON lines'}.")
    elif args.question and args.answer:
        examples = [Example(args.question, args.answer, "reported")]
    else:
        raise NotEnoughExamples("Give the right answer: latm feedback NAME --question Q --answer A, or --file FILE.")
    result = add_examples(ws, args.name, examples, progress=stderr_progress)
    return Result(result.text(), result.record())


@command("repair")
def repair(ws: Workspace, args: argparse.Namespace) -> Result:
    run = remake_tool if args.remake else repair_tool
    result = run(ws, args.name, progress=stderr_progress)
    return Result(result.text(), result.record())


@command("history")
def show_history(ws: Workspace, args: argparse.Namespace) -> Result:
    manifest = read_tool_contents(ws.toolbox_dir / args.name).manifest
    data = history_record(ws, manifest)
    first_of: dict[str, int] = {}
    lines = [f"{manifest.name}: version {manifest.version}"]
    for h in data["history"]:
        first = first_of.setdefault(h["tool_hash"], h["version"])
        same = f"  (the code of version {first})" if first != h["version"] else ""
        added = f"+{h['examples_added']} example{'s' if h['examples_added'] != 1 else ''}"
        lines.append(f"  {'*' if h['version'] == manifest.version else ' '} v{h['version']:<3} {h['time']:<25} "
                     f"{h['reason']:<15} {h['maker_model'] or '-':<14} {h['tool_hash'][:19]}  {added:<13} "
                     f"{'kept here' if h['kept'] else 'not kept here'}{same}")
    lines.append("(* current; `latm rollback NAME VERSION` restores a version whose copy is on this machine)")
    return Result("\n".join(lines), data)


@command("rollback")
def rollback(ws: Workspace, args: argparse.Namespace) -> Result:
    result = rollback_tool(ws, args.name, args.version, progress=stderr_progress)
    return Result(result.text(), result.record())


@command("prune")
def prune(ws: Workspace, args: argparse.Namespace) -> Result:
    from latm.questions import remove_tools, unused_tools

    unused = unused_tools(ws, args.unused_days)
    rows = [f"  {u.name:<32} {u.uses:>5} uses  last used {u.last_used or 'never'}" for u in unused]
    data = {"unused": [asdict(u) for u in unused], "removed": [], "committed": []}
    if not unused:
        return Result(f"No tool unused for {args.unused_days:g} days (tools with reported examples are kept).", data)
    if not args.yes:
        return Result("\n".join([f"Unused for {args.unused_days:g} days (dry run; --yes removes them):", *rows]), data)
    removed = remove_tools(ws, [u.name for u in unused])
    data["removed"] = removed
    lines = [f"Removed {len(removed)} tool(s) unused for {args.unused_days:g} days:", *rows]
    if args.commit:
        from latm.commit import commit_tool

        for name in removed:
            done = commit_tool(ws, name)
            data["committed"].append({"name": name, "commit": done.commit})
            lines.append(f"  committed the removal of {name}: {done.commit[:10]}")
    return Result("\n".join(lines), data)
