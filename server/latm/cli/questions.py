"""``latm pending``, ``latm stats``: questions no tool answered, and what the functional cache did and cost."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from latm.cli.base import Result, command, money, stderr_progress
from latm.questions import (
    Group, Spend, Stats, confirm_answer, group_examples, make_from_group, pending_groups, pending_questions, stats,
)
from latm.workspace import Workspace

SHOWN_QUESTIONS = 2  # per group in the text listing


@command("pending")
def pending(ws: Workspace, args: argparse.Namespace) -> Result:
    if args.answer:
        confirmed = confirm_answer(ws, *args.answer)
        return Result(f"Kept: {confirmed.question!r} -> {confirmed.answer!r} (confirmed)", asdict(confirmed))
    if args.examples:
        examples = group_examples(ws, args.examples)
        lines = [json.dumps({"question": e.question, "answer": e.answer}, ensure_ascii=False) for e in examples]
        return Result("\n".join(lines), [asdict(e) for e in examples])
    if args.make:
        made = make_from_group(ws, args.make, args.name, progress=stderr_progress)
        return Result(f"Made '{made.name}' in {made.path} from pending group {args.make}.",
                      made.record() | {"group": args.make})
    groups = pending_groups(ws)
    skipped = pending_questions(ws)[1]
    text = "\n".join(_group_lines(groups)) if groups else "No pending questions: every question asked so far has a tool."
    if skipped:
        text += f"\n({skipped} unreadable lines in .latm/pending.jsonl skipped)"
    return Result(text, {"groups": [g.record() for g in groups], "skipped_lines": skipped})


def _group_lines(groups: list[Group]) -> list[str]:
    lines = []
    for g in groups:
        state = f"READY: `latm pending --make {g.id}`" if g.ready else f"{g.needed - g.answered} more answers needed"
        lines.append(f"{g.id}  {g.suggested_name}  {len(g.questions)} questions, {g.answered}/{g.needed} answered; {state}")
        lines += [f"    {_short(q.question)}" + (f"  -> {q.answer} ({q.source})" if q.answer else "")
                  for q in g.questions[:SHOWN_QUESTIONS]]
    return lines


@command("stats")
def show_stats(ws: Workspace, args: argparse.Namespace) -> Result:
    s = stats(ws)
    lines = [f"{'tool':<32} {'uses':>6} {'parser':>7} {'user model':>11} {'mcp':>5} {'tokens':>9} {'using $':>11} "
             f"{'making $':>11}"]
    for t in s.tools:
        lines.append(f"{t.name:<32} {t.uses:>6} {t.by_path.get('parser', 0):>7} {t.by_path.get('user_model', 0):>11} "
                     f"{t.by_path.get('mcp', 0):>5} "
                     f"{t.using.tokens_in + t.using.tokens_out:>9} {t.using.cost_usd:>11.6f} {t.making.cost_usd:>11.6f}")
    lines += ["", *_overall(s)]
    return Result("\n".join(lines), s.record())


def _overall(s: Stats) -> list[str]:
    lines = [_spend("making tools", s.making), _spend("answering with tools", s.using),
             _spend("routing", s.routing), _spend("maker answers (no tool)", s.direct), _spend("total", s.total)]
    lines.append(f"answered questions: {s.answered} ({', '.join(f'{k} {v}' for k, v in sorted(s.by_path.items())) or 'none'})"
                 + money(s.cost_per_answer_usd, "; per answer "))
    if s.maker_only_usd is None:
        lines.append(f"with the maker model answering each: not estimated ({s.estimate})")
    else:
        lines.append(f"with the maker model answering each: ${s.maker_only_usd:.6f} ({s.estimate}); "
                     f"saved ${s.saving_usd:.6f}")
    if s.total.unpriced:
        lines.append(f"({s.total.unpriced} calls used models missing from the price table; their cost is not counted)")
    if s.skipped_lines:
        lines.append(f"({s.skipped_lines} unreadable lines in .latm/ skipped)")
    return lines


def _spend(label: str, spend: Spend) -> str:
    return f"{label + ':':<26} {spend.calls:>5} calls {spend.tokens_in:>9} in {spend.tokens_out:>8} out  ${spend.cost_usd:.6f}"


def _short(text: str, limit: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
