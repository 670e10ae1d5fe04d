"""Reading a model's reply: fenced python blocks, the block that answers a question, and the use
cases of a wrapped tool.

The shapes are those of the LATM reference's transcripts, so their replies read unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

# ```python / ```py / ```Python3, or a bare ``` block; the closing fence may lack its newline.
_BLOCK = re.compile(r"```[ \t]*(python3?|py)?[ \t]*\r?\n(.*?)```", re.IGNORECASE | re.DOTALL)
_USE_CASE = re.compile(
    r"Question:[ \t]*(?P<question>.*?)\n(?:\s*Answer:[^\n]*\n)?\s*Solution:\s*```[ \t]*(?:python3?|py)?[ \t]*\r?\n"
    r"(?P<code>.*?)```",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(frozen=True)
class QuestionCode:
    question: str
    code: str


def python_blocks(text: str) -> list[str]:
    """The fenced code blocks of ``text``; python-tagged ones when there are any."""
    found = [(lang, code) for lang, code in _BLOCK.findall(text or "")]
    tagged = [code for lang, code in found if lang]
    return tagged or [code for _, code in found]


def python_code(text: str) -> str:
    """All python blocks of a reply joined, as the reference reads them; "" when there is none."""
    return "\n\n".join(block.strip("\n") for block in python_blocks(text)).strip()


# A line that starts a question of its own: "Question: ...", "**Question 2:** ...", "Q: ...".
_QUESTION_LINE = re.compile(r"^[ \t>#*_]*(?:question|q)\b[ \t]*\d*[ \t]*[*_]*:[*_ \t]*(?P<text>.*)$",
                            re.IGNORECASE | re.MULTILINE)
_SETS_ANS = re.compile(r"^[ \t]*ans\w*[ \t]*(?::[^=\n]*)?=(?!=)", re.MULTILINE)


def answer_code(text: str, question: str, others: Iterable[str] = ()) -> str:
    """The one python block of a tool user's reply that answers ``question``; "" when there is none.

    Models go on after their answer, inventing "Question: ... Solution: ..." pairs or copying an
    example's solution, and either would set ``ans`` for another question. So only the parts of
    the reply headed by no question or by this one count, a block equal to one of ``others`` (the
    solutions of the other questions shown) never does, and of the rest the first block that sets
    ``ans`` (else the first block) is the answer.
    """
    copies = {_normalized(code) for code in others}
    blocks = [b for b in python_blocks(_own_parts(text or "", question)) if _normalized(b) not in copies]
    chosen = next((b for b in blocks if _SETS_ANS.search(b)), blocks[0] if blocks else "")
    return chosen.strip("\n")


def _own_parts(text: str, question: str) -> str:
    """``text`` without the parts that a question line other than ``question`` heads."""
    fenced = [m.span() for m in _BLOCK.finditer(text)]
    heads = [m for m in _QUESTION_LINE.finditer(text) if not any(a <= m.start() < b for a, b in fenced)]
    first_line = _normalized(question.strip().split("\n", 1)[0])
    parts, start, own = [], 0, True
    for head in heads:
        if own:
            parts.append(text[start: head.start()])
        start, own = head.start(), _normalized(head.group("text").strip("*_")) == first_line
    if own:
        parts.append(text[start:])
    return "".join(parts)


def _normalized(text: str) -> str:
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


def wrapped_tool(text: str) -> tuple[str, list[QuestionCode]]:
    """The function (first block) and the "Question: ... Solution: ```python```" use cases of a wrap reply."""
    blocks = python_blocks(text)
    if not blocks:
        return "", []
    head, _, rest = (text or "").partition("Use cases:")
    first = python_blocks(head)
    function = first[0] if first else blocks[0]
    cases = [QuestionCode(m.group("question").strip(), m.group("code").strip("\n"))
             for m in _USE_CASE.finditer(rest or text)]
    return function.strip("\n"), cases
