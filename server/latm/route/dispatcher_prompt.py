"""The dispatcher model's prompt, in the paper's shape, and reading its answer.

As in LATM, each task is shown by one example question and the model answers a task name or
``unknown``; unlike the paper, only the few candidates retrieval found are shown, so the
prompt stays small at any toolbox size.
"""

from __future__ import annotations

import re
from typing import Optional, Sequence

from latm.route.profile import ToolProfile

UNKNOWN = "unknown"

SYSTEM = "You sort questions into known tasks. Answer with one task name, or unknown."

PROMPT = """Here are the tasks I have tools for, each with one example question.

{tasks}

Which of these tasks does the following question belong to? Answer with the task name only. \
If it belongs to none of them, answer {unknown}.

Question: {question}
Task:"""

TASK = "Task: {name}\nExample question: {example}"


def dispatcher_messages(question: str, candidates: Sequence[ToolProfile]) -> list[dict]:
    tasks = "\n\n".join(TASK.format(name=p.name, example=p.example) for p in candidates)
    text = PROMPT.format(tasks=tasks, unknown=UNKNOWN, question=question.strip())
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": text}]


def read_answer(reply: str, names: Sequence[str]) -> tuple[bool, Optional[str]]:
    """(understood, task): a single named task, or ``(True, None)`` for unknown; junk is ``(False, None)``."""
    text = reply.strip().strip("`").lower()
    named = [n for n in names if re.search(rf"(?<![a-z0-9_]){re.escape(n)}(?![a-z0-9_])", text)]
    if len(named) == 1:
        return True, named[0]
    if not named and re.search(r"\b(unknown|none)\b", text):
        return True, None
    return False, None
