"""The data set of an evaluation: its making examples and its test questions, split as the paper.

With ``--make`` the first ``train`` + ``validation`` examples make the tool and the rest are the
test set; with ``--tool`` the whole file is (after ``skip``). Examples are read by latm's own
reader (``latm.examples``). JSON lines are read ``CHUNK_LINES`` lines at a time, so a
test set of any size is never held whole; document formats (BIG-Bench JSON, Q/A blocks, markdown
tables) are read whole, as everywhere else in latm.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterator, Optional

from latm.examples import FORMATS_HELP, QUESTION_KEYS, ExampleScan, read_examples_file, scan_examples
from latm.errors import BadEvalInput, NotEnoughExamples
from latm.toolbox.manifest import Example

CHUNK_LINES = 1000


@dataclass(frozen=True)
class DataSet:
    path: Path
    format: str
    total: int  # usable examples in the file
    making: tuple[Example, ...]  # with --make: train, then validation (``split`` set); else empty
    start: int  # index of the first test question among the usable examples
    count: int  # test questions
    skipped: dict = field(default_factory=dict)  # what the reader left out: {"no answer": 2, ...}

    def questions(self) -> Iterator[Example]:
        """The test questions in order, read from the file again."""
        return itertools.islice(_examples(self.path), self.start, self.start + self.count)


def open_data(path: Path, *, train: int, validation: int, make: bool, skip: int = 0,
              limit: Optional[int] = None) -> DataSet:
    """Read ``path`` once to count and check it; raise what a person can fix."""
    path = Path(path)
    fmt, total, skipped = _survey(path)
    if total == 0:
        if skipped.get("no answer"):
            raise BadEvalInput(
                f"{path}: {skipped['no answer']} question(s) and none has an answer. latm eval scores answers, so "
                f"give each question its answer ({FORMATS_HELP}).")
        raise NotEnoughExamples(f"{path}: no examples found. Give them as {FORMATS_HELP}.")
    needed = train + validation if make else 0
    if total <= needed + skip:
        what = (f"the first {needed} make the tool ({train} train + {validation} validation)" if make else "")
        left_out = " and ".join(part for part in (what, f"{skip} are skipped" if skip else "") if part)
        raise NotEnoughExamples(
            f"{path}: {total} example(s), and {left_out}, so no test question is left. Give more examples"
            f"{', or lower --train/--validation' if make else ''}{', or a smaller --skip' if skip else ''}.")
    making = tuple(replace(e, split="train" if i < train else "validation")
                   for i, e in enumerate(itertools.islice(_examples(path), needed)))
    start = needed + skip
    count = min(total - start, limit) if limit else total - start
    return DataSet(path, fmt, total, making, start, count, skipped)


def _survey(path: Path) -> tuple[str, int, dict]:
    """(format, usable examples, what was left out by kind), streaming."""
    fmt, total, skipped = "", 0, Counter()
    for scan in _scans(path):
        fmt = fmt or scan.format
        total += len(scan.examples)
        skipped.update({"no answer": len(scan.missing_answers), "duplicate": len(scan.duplicates),
                        "conflicting answers": len(scan.conflicts), "unreadable": len(scan.invalid)})
    return fmt, total, {kind: n for kind, n in skipped.items() if n}


def _examples(path: Path) -> Iterator[Example]:
    for scan in _scans(path):
        yield from scan.examples


def _scans(path: Path) -> Iterator[ExampleScan]:
    """The file's examples as latm reads them: JSON lines a chunk at a time, a document whole."""
    if not _json_lines(path):
        yield read_examples_file(path)
        return
    with _open(path) as lines:
        while True:
            try:
                chunk = list(itertools.islice(lines, CHUNK_LINES))
            except UnicodeDecodeError as err:
                raise NotEnoughExamples(f"Cannot read examples from {path}: {err}") from None
            if not chunk:
                return
            yield replace(scan_examples("".join(chunk)), format="json-lines")


def _json_lines(path: Path) -> bool:
    """True when the first non-blank line is, on its own, a JSON object with a question."""
    try:
        with _open(path) as lines:
            first = next((line for line in lines if line.strip()), "")
        record = json.loads(first)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return False
    return isinstance(record, dict) and any(str(key).lower() in QUESTION_KEYS for key in record)


def _open(path: Path):
    try:
        return open(path, encoding="utf-8")
    except OSError as err:
        raise NotEnoughExamples(f"Cannot read examples from {path}: {err}") from None
