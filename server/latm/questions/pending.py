"""Questions no tool answered, and their answers once known: ``.latm/pending.jsonl``.

Append-only records, folded on reading:
``{"kind": "question", "id", "time", "question"}`` each time such a question is asked, and
``{"kind": "answer", "id", "time", "answer", "source"}`` when its answer becomes known, from the
maker model (``source = "maker"``) or confirmed by a person (``"user"``, which wins over the
maker's). A question is identified by its text with whitespace collapsed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional

from latm.bookkeeping import append_record, read_records, utc_now
from latm.errors import EmptyQuestion
from latm.workspace import Workspace

PENDING_NAME = "pending.jsonl"
SOURCES = ("maker", "user")


@dataclass(frozen=True)
class PendingQuestion:
    id: str
    question: str
    answer: Optional[str] = None
    source: str = ""  # who gave the answer: "maker" | "user" | "" (no answer yet)
    asked: int = 1
    first_seen: str = ""


def pending_path(ws: Workspace) -> Path:
    return ws.state_dir / PENDING_NAME


def normalized(question: str) -> str:
    text = " ".join(question.split())
    if not text:
        raise EmptyQuestion("The question is empty.")
    return text


def question_id(question: str) -> str:
    return hashlib.sha256(normalized(question).encode("utf-8")).hexdigest()[:12]


def add_question(ws: Workspace, question: str) -> str:
    """Keep ``question`` as pending (again); return its id."""
    text = normalized(question)
    qid = question_id(text)
    append_record(pending_path(ws), {"kind": "question", "id": qid, "time": utc_now(), "question": text})
    return qid


def add_answer(ws: Workspace, question: str, answer: str, source: str) -> str:
    if source not in SOURCES:
        raise ValueError(f"unknown answer source {source!r}")
    qid = add_question(ws, question) if question_id(question) not in _known_ids(ws) else question_id(question)
    append_record(pending_path(ws), {"kind": "answer", "id": qid, "time": utc_now(), "answer": answer.strip(), "source": source})
    return qid


def confirm_answer(ws: Workspace, question: str, answer: str) -> PendingQuestion:
    """A person says ``answer`` is right for ``question``; it counts towards making a tool."""
    if not answer or not answer.strip():
        raise EmptyQuestion("The answer is empty; give the answer to confirm.")
    qid = add_answer(ws, question, answer, "user")
    return next(q for q in pending_questions(ws)[0] if q.id == qid)


def pending_questions(ws: Workspace) -> tuple[list[PendingQuestion], int]:
    """(questions in the order first asked, number of unreadable lines skipped)."""
    records, bad = read_records(pending_path(ws))
    found: dict[str, PendingQuestion] = {}
    for record in records:
        qid, kind = record.get("id"), record.get("kind")
        if not isinstance(qid, str):
            bad += 1
        elif kind == "question" and isinstance(record.get("question"), str):
            old = found.get(qid)
            found[qid] = (PendingQuestion(qid, record["question"], first_seen=str(record.get("time", "")))
                          if old is None else replace(old, asked=old.asked + 1))
        elif kind == "answer" and qid in found and isinstance(record.get("answer"), str) and record.get("source") in SOURCES:
            old = found[qid]
            if record["source"] == "user" or old.source != "user":
                found[qid] = replace(old, answer=record["answer"], source=record["source"])
        else:
            bad += 1
    return list(found.values()), bad


def _known_ids(ws: Workspace) -> set[str]:
    return {q.id for q in pending_questions(ws)[0]}

