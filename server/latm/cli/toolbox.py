"""``latm list``, ``latm show``, ``latm check``: reading the toolbox."""

from __future__ import annotations

import argparse
from collections import Counter

from latm.cli.base import Result, command
from latm.questions import usage_per_tool, uses_per_tool
from latm.toolbox import problem_record, tool_details, tool_list, verification_text
from latm.workspace import Workspace


@command("list")
def list_tools(ws: Workspace, args: argparse.Namespace) -> Result:
    listing = tool_list(ws.registry, *usage_per_tool(ws))
    rows = [f"{t['name']:<32} {verification_text(ws.registry.tools[t['name']]):<24} {t['origin']:<13} "
            f"{t['uses']:>5} uses  {t['summary']}" for t in listing["tools"]]
    broken = listing["broken"]
    if broken:
        rows.append(f"({len(broken)} broken: {', '.join(broken)}; see `latm check`)")
    text = "\n".join(rows) if rows else f"No tools in {ws.toolbox_dir} yet. Make one with `latm make EXAMPLES`."
    return Result(text, listing)


@command("show")
def show_tool(ws: Workspace, args: argparse.Namespace) -> Result:
    tool = ws.registry.get(args.name)
    uses = uses_per_tool(ws)[tool.name]
    m = tool.manifest
    lines = [
        f"{m.name}: {m.summary}",
        f"  call:      {m.signature}",
        f"  origin:    {m.provenance.origin}" + (f" by {m.provenance.maker_model}" if m.provenance.maker_model else ""),
        f"  created:   {m.provenance.created or '?'}",
        f"  verified:  {verification_text(tool)}" + (f" at {m.verification.verified_at}" if m.verification.verified_at else ""),
        f"  parser:    {m.parser.parse + ' (no model needed)' if m.parser else 'none (answers need the user model)'}",
        f"  examples:  {len(m.split('train'))} train, {len(m.split('validation'))} validation, "
        f"{len(m.split('reported'))} reported; {len(m.use_cases)} use cases",
        f"  version:   {m.version}" + (f" ({m.history[-1].reason}; `latm history {m.name}`)" if m.history else ""),
        f"  packages:  {', '.join(p.split(' ', 1)[0] for p in m.requirements) or 'none (standard library only)'}",
        f"  uses:      {uses}",
        f"  folder:    {tool.path}",
        *(f"  {w.severity}: {w.message}" for w in tool.warnings),
        "",
        tool.code.rstrip(),
    ]
    return Result("\n".join(lines), tool_details(tool, uses))


@command("check")
def check(ws: Workspace, args: argparse.Namespace) -> Result:
    problems = ws.registry.problems()
    errors = [p for p in problems if p.severity == "error"]
    states = Counter(t.state for t in ws.registry.tools.values())
    summary = (f"{states['verified'] + states['unverified']} tools ok, {states['regressed']} regressed, {states['edited']} "
               f"edited (not verified), {len(ws.registry.broken)} broken, {len(problems) - len(errors)} warnings")
    text = "\n".join([str(p) for p in problems] + [summary])
    data = {"ok": not errors, "tools": sorted(ws.registry.tools), "broken": sorted(ws.registry.broken),
            "problems": [problem_record(p) for p in problems]}
    return Result(text, data, 1 if errors else 0)
