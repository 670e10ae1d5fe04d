"""``solve`` and ``solve_batch``: questions in, answers out, with a named tool or a routing function."""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from latm.input_files import load_json, read_input
from latm.solve.solver import Answer, Solver
from latm.errors import Cancelled, LatmError, SandboxUnavailable
from latm.progress import CancelToken, ProgressCallback, ProgressEvent, no_progress
from latm.toolbox.registry import Tool
from latm.toolbox.store import write_text_atomic


Route = Callable[[str], Optional[str]]  # question -> tool name; None when no tool fits
Unknown = Callable[[str], Answer]  # the answer (or refusal) for a question no tool fits
NO_FIT = "No tool fits this question."


@dataclass(frozen=True)
class BatchSummary:
    total: int
    answered: int
    errors: int
    tokens: int
    seconds: float
    by_path: dict = field(default_factory=dict)  # {"parser": n, "user_model": m}
    answers: tuple = ()  # Answer per input line, in order
    out_path: Optional[Path] = None
    sandbox_errors: int = 0  # answers lost because the sandbox could not run the tool
    sandbox_error: str = ""  # why, the first time


def solve(ws, question: str, tool: str, *, cancel: Optional[CancelToken] = None) -> Answer:
    """Answer one question with ``tool`` (choosing one is the dispatcher's job, ``latm.route``);
    raises ToolNotFound / VerificationFailed when that tool is missing or not verified."""
    chosen = ws.registry.get(tool)
    return Solver(ws.settings, ws.sandbox(), ws.llm(), ws.sandbox_for).solve(chosen, question, cancel)


def read_questions(path: Path) -> list[tuple[str, str]]:
    """(question, error) per non-blank line of a JSON-lines file of ``{"question": ...}``."""
    rows = []
    for number, line in enumerate(read_input(Path(path), "questions file").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = load_json(line)
        except json.JSONDecodeError as err:
            rows.append(("", f"line {number}: not valid JSON ({err.msg})"))
            continue
        question = record.get("question") if isinstance(record, dict) else None
        ok = isinstance(question, str) and question.strip()
        rows.append((question, "") if ok else ("", f'line {number}: expected {{"question": "..."}}'))
    return rows


def solve_batch(ws, in_path: Path, out_path: Optional[Path] = None, tool: Optional[str] = None, *,
                route: Optional[Route] = None, unknown: Optional[Unknown] = None,
                progress: ProgressCallback = no_progress, cancel: Optional[CancelToken] = None) -> BatchSummary:
    """Answer every line of ``in_path`` with ``tool``, else as ``route`` says (one of the two is
    needed), reusing one sandbox; write one answer line per question, in order, to ``out_path``."""
    if not tool and route is None:
        raise ValueError("solve_batch needs a tool or a route")
    started = time.monotonic()
    rows = read_questions(in_path)
    answers, groups = _assign(ws, rows, tool, route, unknown)
    solver = Solver(ws.settings, ws.sandbox(), ws.llm(), ws.sandbox_for)
    finished = len(rows) - sum(len(indices) for _, indices in groups.values())
    sandbox_errors, sandbox_error = 0, ""
    for chosen, indices in groups.values():
        def report(done: int, base: int = finished) -> None:
            progress(ProgressEvent("solve", f"{base + done}/{len(rows)}", (base + done) / len(rows)))

        questions = [rows[i][0] for i in indices]
        solved, sandbox_failed = _solve_group(solver, chosen, questions, cancel, report)
        for index, answer in zip(indices, solved):
            answers[index] = answer
        finished += len(indices)
        if sandbox_failed:
            sandbox_errors, sandbox_error = sandbox_errors + len(indices), sandbox_error or solved[0].error
    if out_path is not None:
        write_text_atomic(Path(out_path), "".join(json.dumps(a.record(), ensure_ascii=False) + "\n" for a in answers))
    paths = Counter(a.path for a in answers if a.answer is not None)
    return BatchSummary(len(rows), sum(paths.values()), sum(1 for a in answers if a.error),
                        sum(a.tokens for a in answers), time.monotonic() - started, dict(paths), tuple(answers),
                        Path(out_path) if out_path is not None else None, sandbox_errors, sandbox_error)


def _assign(ws, rows: list[tuple[str, str]], tool: Optional[str], route: Optional[Route],
            unknown: Optional[Unknown]) -> tuple[list[Optional[Answer]], dict[str, tuple[Tool, list[int]]]]:
    """Answers for lines that need no tool (errors, no fit), and the other lines grouped by tool."""
    answers: list[Optional[Answer]] = [None] * len(rows)
    groups: dict[str, tuple[Tool, list[int]]] = {}
    for index, (question, error) in enumerate(rows):
        try:
            if error:
                raise LatmError(error)
            name = tool or route(question)
            if name is None:
                answers[index] = unknown(question) if unknown else Answer(question, "", None, "", 0, NO_FIT)
                continue
            chosen = ws.registry.get(name)
        except Cancelled:
            raise
        except LatmError as err:
            answers[index] = Answer(question, tool or "", None, "", 0, str(err))
            continue
        groups.setdefault(chosen.name, (chosen, []))[1].append(index)
    return answers, groups


def _solve_group(solver: Solver, tool: Tool, questions: list[str], cancel: Optional[CancelToken],
                 report: Callable[[int], None]) -> tuple[list[Answer], bool]:
    """A tool's answers, and whether they failed because the sandbox could not run it; a tool that
    cannot be used (e.g. unverified) fails each of its questions, not the batch."""
    try:
        return solver.solve_many(tool, questions, cancel, report), False
    except Cancelled:
        raise
    except LatmError as err:
        return [Answer(q, tool.name, None, "", 0, str(err)) for q in questions], isinstance(err, SandboxUnavailable)
