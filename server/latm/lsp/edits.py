"""Where a question is in a document, and the edit that puts its answer (or its call) after it.

Works in code points on the document's lines and converts to the client's position encoding
only for the positions it sends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from lsprotocol import types
from pygls.workspace import TextDocument

# Leading indentation and comment / quote markers a question line may carry.
_PREFIX = re.compile(r"^\s*(?:(?:#+|//|--|>)\s*)*")
_LABEL = re.compile(r"^(?:[-*+]\s+)?(?:question|q)\s*[:.)]\s*", re.I)
ANSWER = "Answer: "  # what latm writes before an answer; a line after it, indented as far, continues it


@dataclass(frozen=True)
class Selection:
    """The selected text (or the cursor's line) and the lines it covers, in code points."""

    text: str
    first_line: int
    last_line: int
    anchor: str = ""  # the whole first line, to find the question again after edits

    def moved(self, delta: int) -> "Selection":
        return Selection(self.text, self.first_line + delta, self.last_line + delta, self.anchor)

    @property
    def empty(self) -> bool:
        return not self.text.strip()


def selection(doc: TextDocument, client_range: types.Range) -> Selection:
    lines = doc.lines
    server = doc.range_from_client_units(client_range)
    start, end = server.start, server.end
    anchor = lines[start.line].rstrip("\r\n") if start.line < len(lines) else ""
    if (start.line, start.character) == (end.line, end.character):
        return Selection(anchor, start.line, start.line, anchor)
    text = doc.text_in_server_range(server)
    last = end.line - 1 if end.character == 0 and end.line > start.line else end.line
    return Selection(text, start.line, min(last, max(len(lines) - 1, 0)), anchor)


def relocate(doc: TextDocument, sel: Selection) -> Optional[Selection]:
    """``sel`` in the document as it is now: where its first line still is, or the nearest line
    with the same text (lines may have been added above while the answer was computed)."""
    lines = [line.rstrip("\r\n") for line in doc.lines]
    if sel.first_line < len(lines) and lines[sel.first_line] == sel.anchor:
        return sel
    same = [i for i, line in enumerate(lines) if line == sel.anchor and sel.anchor.strip()]
    if not same:
        return None
    nearest = min(same, key=lambda i: abs(i - sel.first_line))
    return sel.moved(nearest - sel.first_line)


def question_text(text: str) -> str:
    """The question with comment markers and a ``Question:``/``Q:`` label removed."""
    parts = []
    for line in text.splitlines():
        line = _LABEL.sub("", line[_PREFIX.match(line).end():]).strip()
        if line:
            parts.append(line)
    return " ".join(parts)


def looks_like_question(text: str) -> bool:
    stripped = text.strip()
    unmarked = stripped[_PREFIX.match(stripped).end():]
    return stripped.endswith("?") or bool(_LABEL.match(unmarked))


def is_python(doc: TextDocument) -> bool:
    return doc.language_id == "python" or Path(doc.path or "").suffix in (".py", ".pyi")


def is_markdown(doc: TextDocument) -> bool:
    return doc.language_id == "markdown" or Path(doc.path or "").suffix in (".md", ".markdown")


def answer_edit(doc: TextDocument, sel: Selection, answer: str) -> list[types.TextEdit]:
    """``Answer: …`` on the line after the question, with the question line's prefix (further
    lines indented under the first). An answer latm wrote there before is replaced whole; any
    other line is kept."""
    lines = doc.lines
    question_line = lines[sel.first_line] if lines else ""
    prefix = question_line[: _PREFIX.match(question_line).end()]
    if is_python(doc) and "#" not in prefix:  # the answer must not become code
        prefix += "# "
    answer_lines = str(answer).splitlines() or [""]
    indent = prefix + " " * len(ANSWER)
    body = [prefix + ANSWER + answer_lines[0], *(indent + line for line in answer_lines[1:])]
    end = _answer_end(lines, sel.last_line + 1, prefix, indent)
    if end is not None:
        return [_replace_lines(doc, sel.last_line + 1, end, body)]
    return [_insert_after(doc, sel.last_line, body)]


def _answer_end(lines: list[str], first: int, prefix: str, indent: str) -> Optional[int]:
    """The last line of the answer latm wrote starting at line ``first``; None if none starts there."""
    if first >= len(lines) or not lines[first].startswith(prefix + ANSWER):
        return None
    last = first
    while last + 1 < len(lines) and lines[last + 1].startswith(indent):
        last += 1
    return last


def call_edits(doc: TextDocument, sel: Selection, imports: str, code: str) -> list[types.TextEdit]:
    """The tool's call code after the question, and its imports (one a line): at the top of a
    Python file (those not already there), inside the inserted block elsewhere."""
    lines = doc.lines
    question_line = lines[sel.first_line] if lines else ""
    indent = re.match(r"\s*", question_line).group()
    code_lines = code.strip("\n").splitlines()
    import_lines = imports.splitlines()
    if not is_python(doc):
        block = [*import_lines, *code_lines]
        body = ["```python", *block, "```"] if is_markdown(doc) else block
        return [_insert_after(doc, sel.last_line, [indent + line for line in body])]
    edits = [_insert_after(doc, sel.last_line, [indent + line if line else line for line in code_lines])]
    present = {line.rstrip("\r\n") for line in lines}
    missing = "".join(line + _newline(doc) for line in import_lines if line not in present)
    if missing:
        at = import_position(lines)
        edits.insert(0, types.TextEdit(types.Range(types.Position(at, 0), types.Position(at, 0)), missing))
    return edits


def import_position(lines: list[str] | tuple[str, ...]) -> int:
    """The line after the leading block of imports (after a shebang, comments and docstring)."""
    at, index, position = 0, 0, 0
    in_docstring: Optional[str] = None
    while index < len(lines):
        line = lines[index].rstrip("\r\n")
        stripped = line.strip()
        index += 1
        if in_docstring:
            if in_docstring in stripped:
                in_docstring, position = None, index
            continue
        if not stripped or stripped.startswith("#"):
            continue
        if position == 0 and at == 0 and stripped[:3] in ('"""', "'''"):
            quote = stripped[:3]
            if stripped.count(quote) >= 2 and len(stripped) > 3:
                position = index
            else:
                in_docstring = quote
            continue
        if line.startswith(("import ", "from ")):
            at = index
            continue
        break
    return at or position


def _newline(doc: TextDocument) -> str:
    """The document's line ending (its first line's), so inserted lines match the others."""
    lines = doc.lines
    return "\r\n" if lines and lines[0].endswith("\r\n") else "\n"


def _insert_after(doc: TextDocument, line: int, body: list[str]) -> types.TextEdit:
    lines, newline = doc.lines, _newline(doc)
    text = newline.join(body)
    if line + 1 < len(lines) or (lines and lines[-1].endswith(("\n", "\r"))):
        at = types.Position(line + 1, 0)
        return types.TextEdit(types.Range(at, at), text + newline)
    end = doc.position_to_client_units(types.Position(line, len(lines[line]) if lines else 0))
    return types.TextEdit(types.Range(end, end), (newline if lines else "") + text)


def _replace_lines(doc: TextDocument, first: int, last: int, body: list[str]) -> types.TextEdit:
    """Lines ``first``..``last`` (their text, not the last line's end) replaced by ``body``."""
    content = doc.lines[last].rstrip("\r\n")
    end = doc.position_to_client_units(types.Position(last, len(content)))
    return types.TextEdit(types.Range(types.Position(first, 0), end), _newline(doc).join(body))


def answered_question(lines: list[str] | tuple[str, ...], line: int) -> Optional[tuple[str, str]]:
    """(question, answer) when ``line`` starts an answer as ``answer_edit`` writes it (its further
    lines joined in): the question is the block of lines above, from a ``Question:`` label or the
    last blank line."""
    text = lines[line].rstrip("\r\n") if 0 <= line < len(lines) else ""
    prefix = text[: _PREFIX.match(text).end()]
    last = _answer_end([entry.rstrip("\r\n") for entry in lines], line, prefix, prefix + " " * len(ANSWER))
    if last is None:
        return None
    answer = "\n".join(entry.rstrip("\r\n")[len(prefix) + len(ANSWER):] for entry in lines[line: last + 1])
    block: list[str] = []
    for above in reversed(lines[:line]):
        above = above.rstrip("\r\n")
        unmarked = above[_PREFIX.match(above).end():]
        if not unmarked.strip() or unmarked.startswith(ANSWER):
            break
        block.insert(0, above)
        if _LABEL.match(unmarked):
            break
    question = question_text("\n".join(block))
    return (question, answer.strip()) if question else None
