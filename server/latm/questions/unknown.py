"""A question no tool fits: keep it, and per ``on_unknown`` refuse or let the maker model answer.

Either way it goes to ``.latm/pending.jsonl``; once enough similar questions have answers,
``latm pending`` offers to make a tool from them. A maker answer is marked as such everywhere
(``how = "maker"``), because no verified tool produced it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from latm.questions.answer_log import MAKER, record_answer
from latm.questions.pending import add_answer, add_question, pending_path, question_id
from latm.bookkeeping import keep
from latm.errors import LLMTruncated
from latm.progress import CancelToken
from latm.workspace import Workspace

REFUSED = "refused"

ANSWER_PROMPT = """Answer the following question. Think it through step by step, then give the final \
answer alone on the last line, in the form
Answer: <the answer>

Question: {question}"""

_ANSWER_LINE = re.compile(r"^\W*(?:final\s+)?answer\W*:\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class UnknownOutcome:
    question: str
    pending_id: str
    how: str  # REFUSED | "maker"
    message: str
    answer: Optional[str] = None  # only from the maker model, and marked as such
    tokens: int = 0
    cost_usd: Optional[float] = None


def handle_unknown(ws: Workspace, question: str, *, cancel: Optional[CancelToken] = None) -> UnknownOutcome:
    """Keep ``question`` as pending; answer it with the maker model if ``on_unknown`` says so.
    Keeping it is bookkeeping: when ``.latm/`` cannot be written, a warning, and the answer stands."""
    qid = question_id(question)
    keep(pending_path(ws), lambda: add_question(ws, question))
    if ws.settings.on_unknown != "solve_with_maker":
        return UnknownOutcome(question, qid, REFUSED, (
            "No tool fits this question. It is kept in .latm/pending.jsonl; confirm its answer "
            "(`latm pending --answer QUESTION ANSWER`) and once enough similar questions have answers, "
            "`latm pending` offers to make a tool from them."))
    try:
        reply = ws.llm().chat("maker", [{"role": "user", "content": ANSWER_PROMPT.format(question=question.strip())}],
                              cancel=cancel)
    except LLMTruncated as err:  # an 'Answer:' line before the cut may be a guess the model went on to correct
        said = f"No tool fits, and the maker model's direct answer is not given: {err} The question is kept as pending."
        return UnknownOutcome(question, qid, MAKER, said, None, err.reply.tokens, err.reply.cost_usd)
    answer = final_answer(reply.text)
    if answer is None:
        return UnknownOutcome(question, qid, MAKER, f"No tool fits, and the maker model ({reply.model}) gave no final "
                              "'Answer:' line; the question is kept as pending.", None, reply.tokens, reply.cost_usd)
    keep(pending_path(ws), lambda: add_answer(ws, question, answer, "maker"))
    record_answer(ws, question, "", MAKER, reply.tokens)
    return UnknownOutcome(question, qid, MAKER, f"No tool fits; answered directly by the maker model ({reply.model}), "
                          "not by a verified tool.", answer, reply.tokens, reply.cost_usd)


def final_answer(reply: str) -> Optional[str]:
    """The text of the last ``Answer:`` line, without markdown emphasis."""
    found = _ANSWER_LINE.findall(reply or "")
    answer = found[-1].strip().strip("*").strip() if found else ""
    return answer or None
