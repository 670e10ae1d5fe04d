"""Solved examples from what a user highlighted or pointed at: text in, (question, answer) out.

Formats: ``Question:``/``Answer:`` blocks (also ``Q:``/``A:``, and the same inside ``#`` or
``//`` comments), a markdown table with question and answer columns, JSON lines
``{"question", "answer"}``, and JSON documents: BIG-Bench ``{"examples": [{"input", "target"}]}``
or a list of objects. Pure and linear in the text: the language server calls it on every
code-action request.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Optional

from latm.input_files import LONE_SURROGATE, TOO_DEEP, load_json, read_input, read_stdin
from latm.errors import InputFileError, NotEnoughExamples
from latm.toolbox.manifest import Example

FORMATS_HELP = ("Question:/Answer: blocks (or Q:/A:), a markdown table with question and answer columns, "
                'JSON lines {"question": ..., "answer": ...}, or a BIG-Bench JSON file')
QUESTION_KEYS = ("question", "input", "q", "questions", "prompt")
ANSWER_KEYS = ("answer", "target", "a", "answers", "expected", "output")
_MARKER = re.compile(r"^[ \t]*(?:\*\*)?(question|answer|q|a)(?:[ \t]*\d+)?[ \t]*(?:\*\*)?[ \t]*:(?:\*\*)?[ \t]?(.*)$",
                     re.IGNORECASE)
_COMMENT = re.compile(r"^[ \t]*(#+|//|--|;+|>)[ \t]?")
_TABLE_SEPARATOR = re.compile(r"^\s*:?-{2,}:?\s*$")


@dataclass
class ExampleScan:
    """Examples found in a text, plus what was wrong with the rest (each with its line)."""

    examples: list[Example] = field(default_factory=list)
    format: str = ""  # "question-answer", "markdown-table", "json-lines", "big-bench", "json", "" for none
    lines: list[int] = field(default_factory=list)  # 1-based first line of each example
    duplicates: list[int] = field(default_factory=list)  # lines of repeats that were dropped
    conflicts: list[int] = field(default_factory=list)  # lines of questions given different answers (all dropped)
    missing_answers: list[int] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)  # "line N: why"
    unreadable: str = ""  # why the text as a whole could not be read (a JSON document nested too deeply, ...)

    def issues(self) -> list[str]:
        found = []
        for lines, one, many in ((self.duplicates, "duplicate ignored", "duplicates ignored"),
                                 (self.conflicts, "question with conflicting answers ignored",
                                  "questions with conflicting answers ignored"),
                                 (self.missing_answers, "question without an answer", "questions without an answer")):
            if lines:
                found.append(f"{len(lines)} {one if len(lines) == 1 else many} ({_lines(lines)})")
        return found + self.invalid + ([self.unreadable] if self.unreadable else [])


def parse_examples(text: str) -> list[Example]:
    """The usable examples in ``text`` (deduplicated, each with an answer), in order."""
    return scan_examples(text).examples


def scan_examples(text: str) -> ExampleScan:
    if not text or not any(mark in text for mark in (":", "|", "{")):
        return ExampleScan()
    stripped = text.strip()
    if stripped[:1] in "{[":
        document = _json_document(stripped)
        if document is not None:
            return document
    for reader in (_json_lines, _markdown_table, _marked_blocks):
        scan = reader(text)
        if scan.format:
            return scan
    return ExampleScan()


def read_examples_file(path: Path) -> ExampleScan:
    return _file_scan(scan_examples(read_input(Path(path), "examples file")), str(path))


def read_examples_stdin(handle: BinaryIO) -> ExampleScan:
    return _file_scan(scan_examples(read_stdin(handle, "examples")), "stdin")


def _file_scan(scan: ExampleScan, where: str) -> ExampleScan:
    """A file that is one unreadable document is an input error, not a file without examples."""
    if scan.unreadable:
        raise InputFileError(f"Cannot read the examples in {where}: {scan.unreadable}.")
    return scan


def split_examples(scan: ExampleScan, train: int = 3, validation: int = 3) -> list[Example]:
    """The first ``train`` examples as train, the next ``validation`` as validation; the rest unused."""
    needed = train + validation
    found = len(scan.examples)
    if found < needed:
        message = f"{needed} examples needed ({train} train + {validation} validation), {found} found"
        issues = scan.issues()
        if issues:
            message += "; " + "; ".join(issues)
        if found == 0 and not issues:
            message += f". Give them as {FORMATS_HELP}"
        raise NotEnoughExamples(message + ".")
    chosen = scan.examples[:needed]
    return [replace(e, split="train" if i < train else "validation") for i, e in enumerate(chosen)]


# Collecting: one place decides duplicates, conflicts and missing answers for every format.

class _Collector:
    def __init__(self, fmt: str) -> None:
        self.scan = ExampleScan(format=fmt)
        self._seen: dict[str, int] = {}  # question -> index in scan.examples
        self._dropped: set[int] = set()  # indices of questions given conflicting answers

    def add(self, question: Any, answer: Any, line: int) -> None:
        question, answer = _text(question), _text(answer)
        if not question:
            self.scan.invalid.append(f"line {line}: an answer with no question")
        elif not answer:
            self.scan.missing_answers.append(line)
        elif question not in self._seen:
            self._seen[question] = len(self.scan.examples)
            self.scan.examples.append(Example(question, answer))
            self.scan.lines.append(line)
        else:
            self._repeat(self._seen[question], answer, line)

    def _repeat(self, index: int, answer: str, line: int) -> None:
        if index in self._dropped:
            self.scan.conflicts.append(line)
        elif self.scan.examples[index].answer == answer:
            self.scan.duplicates.append(line)
        else:
            self._dropped.add(index)
            self.scan.conflicts.extend([self.scan.lines[index], line])

    def finish(self) -> ExampleScan:
        keep = [i for i in range(len(self.scan.examples)) if i not in self._dropped]
        self.scan.examples = [self.scan.examples[i] for i in keep]
        self.scan.lines = [self.scan.lines[i] for i in keep]
        return self.scan


# JSON.

def _json_document(text: str) -> Optional[ExampleScan]:
    try:
        data = load_json(text)
    except json.JSONDecodeError as err:
        unreadable = {TOO_DEEP: f"the JSON document is {TOO_DEEP}",
                      LONE_SURROGATE: f"in the JSON document, {LONE_SURROGATE}"}
        return ExampleScan(unreadable=unreadable[err.msg]) if err.msg in unreadable else None
    if isinstance(data, dict) and isinstance(data.get("examples"), list):
        return _json_records(data["examples"], "big-bench")
    if isinstance(data, list):
        return _json_records(data, "json")
    if isinstance(data, dict):
        return _json_records([data], "json")
    return None


def _json_records(records: Iterable[Any], fmt: str) -> ExampleScan:
    collect = _Collector(fmt)
    for number, record in enumerate(records, 1):
        if not isinstance(record, dict):
            collect.scan.invalid.append(f"example {number}: not an object with a question and an answer")
            continue
        collect.add(_field(record, QUESTION_KEYS), _target(record), number)
    return collect.finish()


def _json_lines(text: str) -> ExampleScan:
    collect = _Collector("")
    objects = 0
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip().rstrip(",")
        if not line.startswith("{"):
            continue
        try:
            record = load_json(line)
        except json.JSONDecodeError as err:
            collect.scan.invalid.append(f"line {number}: not valid JSON ({err.msg})")
            continue
        if isinstance(record, dict) and _field(record, QUESTION_KEYS) is not None:
            objects += 1
            collect.add(_field(record, QUESTION_KEYS), _target(record), number)
    if objects:
        collect.scan.format = "json-lines"
    return collect.finish()


def _field(record: dict, keys: tuple) -> Any:
    lowered = {str(k).lower(): v for k, v in record.items()}
    return next((lowered[k] for k in keys if k in lowered), None)


def _target(record: dict) -> Any:
    """The answer of a record; BIG-Bench may give a list of targets or ``target_scores``."""
    answer = _field(record, ANSWER_KEYS)
    if isinstance(answer, list):
        return answer[0] if answer else None
    scores = record.get("target_scores")
    if answer is None and isinstance(scores, dict):
        best = [k for k, v in scores.items() if v == max(scores.values())]
        return best[0] if len(best) == 1 else None
    return answer


# Markdown tables.

def _markdown_table(text: str) -> ExampleScan:
    collect = _Collector("")
    columns: Optional[tuple[int, int]] = None
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip().startswith("|"):
            columns = None if line.strip() else columns
            continue
        cells = _cells(line)
        if columns is None:
            columns = _header(cells)
        elif not all(_TABLE_SEPARATOR.match(c) for c in cells):
            q, a = columns
            collect.add(cells[q] if q < len(cells) else "", cells[a] if a < len(cells) else "", number)
            collect.scan.format = "markdown-table"
    return collect.finish()


def _cells(line: str) -> list[str]:
    inner = line.strip().strip("|")
    parts = re.split(r"(?<!\\)\|", inner)
    return [re.sub(r"<br\s*/?>", "\n", p.replace("\\|", "|"), flags=re.IGNORECASE).strip() for p in parts]


def _header(cells: list[str]) -> Optional[tuple[int, int]]:
    names = [c.strip("*_` ").lower() for c in cells]
    question = next((i for i, n in enumerate(names) if n in QUESTION_KEYS), None)
    answer = next((i for i, n in enumerate(names) if n in ANSWER_KEYS), None)
    return (question, answer) if question is not None and answer is not None else None


# Question:/Answer: blocks.

def _marked_blocks(text: str) -> ExampleScan:
    """A question runs from its marker to the answer marker; an answer to a blank line or the next question."""
    collect = _Collector("")
    question: Optional[list[str]] = None
    answer: Optional[list[str]] = None
    start = 0
    for number, line in enumerate(_uncomment(text.splitlines()), 1):
        found = _MARKER.match(line)
        kind = found.group(1).lower()[0] if found else ""
        if kind == "q":
            if question is not None:
                collect.add("\n".join(question), "\n".join(answer or []), start)
            question, answer, start = [found.group(2)], None, number
        elif question is None:
            continue
        elif kind == "a" and answer is None:
            answer = [found.group(2)]
        elif answer is None:
            question.append(line)
        elif line.strip():
            answer.append(line)
        elif any(a.strip() for a in answer):
            collect.add("\n".join(question), "\n".join(answer), start)
            question = answer = None
    if question is not None:
        collect.add("\n".join(question), "\n".join(answer or []), start)
    if collect.scan.examples or collect.scan.missing_answers:
        collect.scan.format = "question-answer"
    return collect.finish()


def _uncomment(lines: list[str]) -> list[str]:
    """Drop a comment marker that starts every non-blank line (examples kept in ``#`` comments)."""
    markers = {m.group(1) for m in (_COMMENT.match(line) for line in lines if line.strip()) if m}
    if len(markers) != 1 or any(not _COMMENT.match(line) for line in lines if line.strip()):
        return lines
    return [_COMMENT.sub("", line, count=1) for line in lines]


def _text(value: Any) -> str:
    if value is None:
        return ""
    return (value if isinstance(value, str) else json.dumps(value) if isinstance(value, (list, dict)) else str(value)).strip()


def _lines(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in sorted(set(numbers))[:8])
    return ("line " if len(set(numbers)) == 1 else "lines ") + shown + (", …" if len(set(numbers)) > 8 else "")
