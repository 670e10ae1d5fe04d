"""Every answered question, one line each: ``.latm/answers.jsonl`` (what ``latm stats`` counts).

The ledger holds model calls; an answer from a tool's parser makes none, so answers are kept
here: ``{"time", "id", "tool", "path", "tokens"}`` (no question text) with ``path``
one of ``parser`` (no model), ``user_model`` (the tool user model wrote the call), ``maker``
(no tool fitted; the maker model answered directly, ``tool`` empty), ``mcp`` (an agent called
the tool's function over MCP with its own arguments; ``id`` is of those). Costs are the ledger's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from latm.questions.pending import question_id
from latm.bookkeeping import append_record, keep, read_records, utc_now
from latm.workspace import Workspace

ANSWERS_NAME = "answers.jsonl"
PARSER, USER_MODEL, MAKER, MCP = "parser", "user_model", "maker", "mcp"
PATHS = (PARSER, USER_MODEL, MAKER, MCP)


@dataclass(frozen=True)
class AnswerRecord:
    tool: str
    path: str
    tokens: int = 0


def answers_path(ws: Workspace) -> Path:
    return ws.state_dir / ANSWERS_NAME


def record_answer(ws: Workspace, question: str, tool: str, path: str, tokens: int = 0) -> None:
    """Count one answered question (``ask`` a tool's answer, ``unknown`` the maker's, the MCP server a
    direct call). Bookkeeping: when the count cannot be written, that is a warning and the answer stands."""
    if path not in PATHS:
        raise ValueError(f"unknown answer path {path!r}; one of {', '.join(PATHS)}")
    record = {"time": utc_now(), "id": question_id(question), "tool": tool, "path": path, "tokens": int(tokens)}
    keep(answers_path(ws), lambda: append_record(answers_path(ws), record))


def read_answers(ws: Workspace) -> tuple[list[AnswerRecord], int]:
    records, bad = read_records(answers_path(ws))
    found = []
    for r in records:
        if r.get("path") in PATHS and isinstance(r.get("tool"), str):
            tokens = r.get("tokens")
            found.append(AnswerRecord(r["tool"], r["path"], tokens if isinstance(tokens, int) and tokens >= 0 else 0))
        else:
            bad += 1
    return found, bad


def uses_per_tool(ws: Workspace) -> Counter:
    """Answers given by each tool, from the answer log."""
    return usage_per_tool(ws)[0]


def usage_per_tool(ws: Workspace) -> tuple[Counter, dict[str, str]]:
    """(answers given by each tool, the time of its latest answer), from the answer log."""
    records = read_records(answers_path(ws))[0]
    uses: Counter = Counter()
    last: dict[str, str] = {}
    for r in records:
        tool, when = r.get("tool"), r.get("time")
        if r.get("path") in PATHS and isinstance(tool, str) and tool:
            uses[tool] += 1
            if isinstance(when, str) and when > last.get(tool, ""):
                last[tool] = when
    return uses, last


def last_tool_for(ws: Workspace, question: str) -> str:
    """The tool that answered ``question`` last (by its id), or "" when no tool has."""
    qid = question_id(question)
    tools = [r.get("tool") for r in read_records(answers_path(ws))[0] if r.get("id") == qid]
    return next((t for t in reversed(tools) if isinstance(t, str) and t), "")
