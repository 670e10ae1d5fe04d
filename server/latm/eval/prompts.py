"""What the baselines are asked, and how their final answer is read from a reply.

The tool methods use the solve path's own prompt (``latm.solve.prompts.use``). Direct and
chain-of-thought answers end in a line a reader can find ("Answer: ..." / "So the answer is
..."), as in BIG-Bench Hard's own prompts; a data set's few-shot chain-of-thought prompt
(``--cot-prompt``) is used as given, followed by the question in its "Q: / A:" shape.
"""

from __future__ import annotations

import re
from typing import Optional

DIRECT = """Answer the question below. Reply with the final answer only, on one line that starts with "Answer:" \
(for a multiple-choice question, the option, e.g. "(A)").

Question: {question}"""

COT = """Answer the question below. Think step by step, then end your reply with one line \
"So the answer is <answer>." (for a multiple-choice question, the option, e.g. "(A)").

Question: {question}"""

FEW_SHOT_COT = """{examples}

Q: {question}
A: Let's think step by step."""

PROGRAM = """Write a Python program that computes the answer to the question below, using only the \
Python standard library. Put the whole program in one ```python block. It must not read input; \
it must store the final answer in a variable named `ans` (for a multiple-choice question, the \
option, e.g. "(A)").

Question: {question}"""

_ANSWER_IS = re.compile(r"answer is\s*:?\s*(.*\S)", re.IGNORECASE)
_ANSWER_LINE = re.compile(r"^[\s*_#>]*(?:final\s+)?answer[\s*_]*:\s*(.*\S)", re.IGNORECASE)


def cot_template(few_shot: str = "") -> str:
    """The chain-of-thought prompt, with ``{question}`` left in."""
    return FEW_SHOT_COT.replace("{examples}", few_shot.strip()) if few_shot.strip() else COT


def final_answer(reply: str) -> Optional[str]:
    """The last "the answer is X" or "Answer: X" of a reply; a one-line reply is its own answer."""
    lines = [line for line in (reply or "").strip().splitlines() if line.strip()]
    for line in reversed(lines):
        found = _ANSWER_IS.search(line) or _ANSWER_LINE.match(line)
        if found:
            return _clean(found.group(1))
    return _clean(lines[0]) if len(lines) == 1 else None


def _clean(text: str) -> Optional[str]:
    text = text.strip().strip("*_`").strip()
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1].rstrip()
    text = text.strip("\"'").strip()
    return text or None
