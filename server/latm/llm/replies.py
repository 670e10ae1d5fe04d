"""Reading a model's reply: fenced python blocks, the block that answers a question, and the use
cases of a wrapped tool.

The shapes are those of the LATM reference's transcripts, so their replies read unchanged. Every
reader takes time linear in the reply's size (a reply is model output, so it can be anything),
and a reply longer than ``MAX_REPLY_CHARS`` is refused before it is read.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Iterable

MAX_REPLY_CHARS = 100_000  # about 25,000 tokens; a wrap reply for six questions is a few thousand
KEPT_CHARS = 1_000  # of an oversized reply, in the conversation sent back to the model
# ```python / ```py / ```Python3, or a bare ``` block; the closing fence may lack its newline.
# No two repeats can match the same text, so a failed match gives up in linear time.
_BLOCK = re.compile(r"```[ \t]*(?:(python3?|py)[ \t]*)?\r?\n(.*?)```", re.IGNORECASE | re.DOTALL)
_QUESTION = re.compile("question:", re.IGNORECASE)
_CODE_TAGS = ("", "python", "python3", "py")


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


def oversized(text: str) -> str:
    """Why ``text`` is too long to read; "" when it is not."""
    if len(text or "") <= MAX_REPLY_CHARS:
        return ""
    return (f"the reply is {len(text):,} characters long, and latm reads replies of at most "
            f"{MAX_REPLY_CHARS:,} characters")


def shortened(text: str) -> str:
    """An oversized reply as the conversation keeps it: its start, and how much was cut."""
    return f"{text[:KEPT_CHARS]}\n[... {len(text) - KEPT_CHARS:,} characters cut by latm: the reply was over the limit]"


# A line that starts a question of its own: "Question: ...", "**Question 2:** ...", "Q: ...".
_QUESTION_LINE = re.compile(r"^[ \t>#*_]*(?:question|q)\b[ \t]*(?:\d+[ \t]*)?[*_]*:[*_ \t]*(?P<text>.*)$",
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
    fenced = [m.span() for m in _BLOCK.finditer(text)]  # in order, not overlapping
    starts = [a for a, _ in fenced]

    def in_a_block(at: int) -> bool:  # a binary search, so a reply of many blocks stays linear
        i = bisect.bisect_right(starts, at) - 1
        return i >= 0 and at < fenced[i][1]

    heads = [m for m in _QUESTION_LINE.finditer(text) if not in_a_block(m.start())]
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
    return function.strip("\n"), _use_cases(rest or text)


def _use_cases(text: str) -> list[QuestionCode]:
    """Read line by line, each line once: "Question:" starts a question (dropping one that got no
    solution), a line starting with "Solution:" ends it (with the "Answer:" line just before it,
    if any), the fenced block after it is its code."""
    cases: list[QuestionCode] = []
    question: list[str] = []
    code: list[str] = []
    state = "seek"  # -> question -> solution -> code -> seek
    for line in text.split("\n"):
        if state == "code":
            end = line.find("```")
            code.append(line if end < 0 else line[:end])
            if end >= 0:
                cases.append(QuestionCode(_question_text(question), "\n".join(code).strip("\n")))
                state = "seek"
            continue
        found = _QUESTION.search(line)
        if found:
            question, state = [line[found.end():]], "question"
        elif state == "question" and line.lstrip()[:9].lower() == "solution:":
            state, line = "solution", line.lstrip()[9:]
        elif state == "question":
            question.append(line)
        if state == "solution" and found is None and line.strip():
            fence = line.strip()
            state = "code" if fence.startswith("```") and fence[3:].strip().lower() in _CODE_TAGS else "seek"
            code = []
    return cases


def _question_text(lines: list[str]) -> str:
    """The question's lines, less an "Answer: ..." line just before the solution."""
    kept = "\n".join(lines).strip().split("\n")
    if len(kept) > 1 and kept[-1].lstrip()[:7].lower() == "answer:":
        kept.pop()
    return "\n".join(kept).strip()
