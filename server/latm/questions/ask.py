"""A question asked from the shell, the editor or an agent, answered the one way the front ends share.

The question is routed to a tool (unless one is named), solved with it and counted; when no tool
fits it is kept as pending and refused, or answered by the maker model (``handle_unknown``).
``answer_batch`` does the same for a file of questions, solving each tool's questions together.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from latm.questions.answer_log import record_answer
from latm.route.decision import Decision, route
from latm.questions.unknown import UnknownOutcome, handle_unknown
from latm.solve import Answer, BatchSummary, solve, solve_batch
from latm.progress import CancelToken, ProgressCallback, ProgressEvent, no_progress
from latm.workspace import Workspace


@dataclass(frozen=True)
class Asked:
    answer: Answer  # the tool's; when no tool fits, the maker model's answer or the refusal (tool "")
    decision: Optional[Decision] = None  # how the tool was chosen; None when it was named
    unknown: Optional[UnknownOutcome] = None  # set when no tool fits

    def record(self) -> dict:
        """The JSON of an asked question (``latm solve --json``, ``latm.solve``, ``latm_solve``): the
        answer (``Answer.record``), how its tool was chosen (``route``; None when it was named) and,
        when no tool fits, ``unknown`` with the id of the pending question."""
        data = self.answer.record() | {"route": self.decision.record() if self.decision else None,
                                       "unknown": self.unknown is not None}
        return data | ({"pending_id": self.unknown.pending_id} if self.unknown else {})


def answer_question(ws: Workspace, question: str, tool: Optional[str] = None, *,
                    progress: ProgressCallback = no_progress, cancel: Optional[CancelToken] = None) -> Asked:
    """Answer ``question`` with ``tool``, else with the tool routing picks, else as an unknown question."""
    decision = None
    if not tool:
        progress(ProgressEvent("route", "choosing a tool", 0.1))
        decision = route(ws, question, cancel=cancel)
        tool = decision.tool
    if tool is None:
        progress(ProgressEvent("unknown", "no tool fits: keeping the question", 0.5))
        outcome = handle_unknown(ws, question, cancel=cancel)
        return Asked(_unknown_answer(outcome), decision, outcome)
    progress(ProgressEvent("solve", f"solving with {tool}", 0.3))
    answer = solve(ws, question, tool, cancel=cancel)
    _count(ws, answer)
    return Asked(answer, decision)


def answer_batch(ws: Workspace, in_path: Path, tool: Optional[str] = None, *,
                 progress: ProgressCallback = no_progress) -> BatchSummary:
    """Every question of a JSON-lines file, answered as ``answer_question`` would, in order."""
    summary = solve_batch(ws, in_path, tool=tool, route=lambda q: route(ws, q).tool,
                          unknown=lambda q: _unknown_answer(handle_unknown(ws, q)), progress=progress)
    for answer in summary.answers:
        _count(ws, answer)
    return summary


def _unknown_answer(outcome: UnknownOutcome) -> Answer:
    return Answer(outcome.question, "", outcome.answer, outcome.how, outcome.tokens,
                  "" if outcome.answer else outcome.message)


def _count(ws: Workspace, answer: Answer) -> None:
    """A tool's answer goes into the answers file (``handle_unknown`` counts the maker's itself)."""
    if answer.answer is not None and answer.tool:
        record_answer(ws, answer.question, answer.tool, answer.path, answer.tokens)
