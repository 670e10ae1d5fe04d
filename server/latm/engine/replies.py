"""Reading a model's reply: fenced python blocks, and the use cases of a wrapped tool.

The shapes are those of the LATM reference's transcripts, so their replies read unchanged. Every
reader takes time linear in the reply's size (a reply is model output, so it can be anything),
and a reply longer than ``MAX_REPLY_CHARS`` is refused before it is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
