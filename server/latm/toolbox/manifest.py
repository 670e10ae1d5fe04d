"""``tool.toml``: the manifest of a tool, read and written with a checked schema.

Reading never trusts the file: every field is type-checked and a problem is reported as a
``ManifestError`` with the line it is on, so an editor can underline it.
"""

from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import asdict, dataclass, field
from typing import Any, Optional

import tomli_w

from latm.requirement_specs import BadRequirement, parse_pins
from latm.toolbox.names import NAME_RE

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ORIGINS = ("made", "imported", "hand-written")
MAX_NESTING = 16  # arrays and inline tables; latm's own manifests nest 2 deep
# What can hold a bracket that is not nesting (strings, comments), and the brackets themselves.
_TOKENS = re.compile(
    r'"""(?:[^"\\]|\\.|"{1,2}(?!"))*"{3,5}'
    r"|'''(?:[^']|'{1,2}(?!'))*'{3,5}"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'[^'\n]*'"
    r"|#[^\n]*"
    r"|[\[\]{}]",
    re.S,
)
SPLITS = ("train", "validation", "reported")  # reported: a person's correction (``latm feedback``)
FORMAT_VERSION = 3  # understood; a manifest is written as 1 unless it holds what only 2 (or 3) reads
# Why a version of a tool came to be (its history entry's ``reason``).
REASONS = ("made", "imported", "hand-written", "repaired", "remade", "edited by hand", "rolled back")


@dataclass(frozen=True)
class Example:
    question: str
    answer: str
    split: str = "train"


@dataclass(frozen=True)
class UseCase:
    question: str
    code: str  # turns the question into a call of the tool and sets ``ans``


@dataclass(frozen=True)
class Provenance:
    origin: str  # one of ORIGINS
    maker_model: str = ""
    created: str = ""  # ISO 8601, UTC
    tool_hash: str = ""  # "sha256:<hex>" of tool.py


@dataclass(frozen=True)
class Failure:
    """A stored example the tool failed when last checked: what it gave, or why it gave nothing."""

    question: str
    expected: str
    got: str = ""  # the tool's answer, when it gave one
    error: str = ""  # e.g. "timed out after 5 s", or the exception

    def describe(self) -> str:
        return self.error or f"expected {self.expected!r}, got {self.got!r}"


@dataclass(frozen=True)
class Verification:
    passed: int = 0
    total: int = 0
    verified_at: str = ""
    sandbox: str = ""  # backend the tests ran on: "docker" | "process"
    failures: tuple[Failure, ...] = ()  # the failed examples of the last check, one each

    @property
    def ok(self) -> bool:
        return self.total > 0 and self.passed == self.total


@dataclass(frozen=True)
class ParserEntry:
    """The zero-model path: ``format(entry(**parse(question)), question)`` is the answer."""

    parse: str = "parse_question"
    format: str = "format_answer"
    verified_on: int = 0


@dataclass(frozen=True)
class HistoryEntry:
    """One version of a tool: when, its code's hash, why, by which model, examples added since."""

    version: int
    time: str
    tool_hash: str
    reason: str  # one of REASONS
    maker_model: str = ""
    examples_added: int = 0


@dataclass(frozen=True)
class Manifest:
    name: str
    summary: str
    entry: str
    signature: str
    provenance: Provenance
    verification: Verification = field(default_factory=Verification)
    examples: tuple[Example, ...] = ()
    use_cases: tuple[UseCase, ...] = ()
    parser: Optional[ParserEntry] = None
    format_version: int = FORMAT_VERSION
    version: int = 1  # a manifest without one (written before versions) is version 1
    history: tuple[HistoryEntry, ...] = ()
    # Third-party packages: "name==version --hash=sha256:..." for the tool's packages and every
    # dependency, resolved when it was made (``requirement_specs.Pin``); empty: standard library only.
    requirements: tuple[str, ...] = ()

    def split(self, which: str) -> list[Example]:
        return [e for e in self.examples if e.split == which]


class ManifestError(Exception):
    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def tool_hash(code: str) -> str:
    return "sha256:" + hashlib.sha256(code.encode("utf-8")).hexdigest()


def to_data(manifest: Manifest) -> dict:
    """The manifest as plain tables, lists and scalars (TOML's and JSON's), as ``from_data`` reads it."""
    data = asdict(manifest)
    if data["parser"] is None:  # neither format has None; nothing else in the schema is optional
        del data["parser"]
    return data


def from_data(data: Any) -> Manifest:
    """A manifest from plain data (a parsed file, a cache), every field checked as ``loads`` checks it."""
    if not isinstance(data, dict):
        raise ManifestError(f"expected a table, got {type(data).__name__}")
    return _Reader("").manifest(data)


def dumps(manifest: Manifest) -> str:
    data = to_data(manifest)
    data.pop("format_version")
    data = {"format_version": needed_format(manifest), "name": data.pop("name"), "version": data.pop("version"), **data}
    # Empty lists are left out.
    for table, key in ((data["verification"], "failures"), (data, "history"), (data, "requirements")):
        if not table[key]:
            del table[key]
    return tomli_w.dumps(data, multiline_strings=True)


def needed_format(manifest: Manifest) -> int:
    """1 unless the manifest holds reported examples (2), or requirements (3), which an older latm
    would refuse, or (requirements) ignore and run the tool without its packages."""
    if manifest.requirements:
        return 3
    return 2 if any(e.split == "reported" for e in manifest.examples) else 1


def loads(text: str) -> Manifest:
    if _nested_too_deeply(text):
        raise ManifestError(f"nested more than {MAX_NESTING} levels deep (arrays, inline tables); latm does not read it")
    try:
        return _Reader(text).manifest(tomllib.loads(text))
    except tomllib.TOMLDecodeError as err:
        found = re.search(r"line (\d+)", str(err))
        raise ManifestError(f"not valid TOML: {err}", int(found.group(1)) if found else 1) from None
    except (ValueError, RecursionError, MemoryError) as err:  # the last line, behind the checks above
        raise ManifestError(f"cannot be read: {err or type(err).__name__}") from None


def _nested_too_deeply(text: str) -> bool:
    """Checked before parsing: tomllib recurses once per level and would crash first."""
    depth = 0
    for token in _TOKENS.finditer(text):
        bracket = token.group()
        if bracket in ("[", "{"):
            depth += 1
            if depth > MAX_NESTING:
                return True
        elif bracket in ("]", "}"):
            depth -= 1
    return False


class _Reader:
    """Checks a parsed manifest field by field; errors point at the line of the key."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def line_of(self, key: str) -> int:
        pattern = re.compile(rf"^\s*(\[+\s*)?{re.escape(key)}\b")
        for number, line in enumerate(self.lines, 1):
            if pattern.match(line):
                return number
        return 1

    def fail(self, key: str, message: str) -> ManifestError:
        return ManifestError(f"{key}: {message}", self.line_of(key.split(".")[-1].split("[")[0]))

    def get(self, table: dict, key: str, kind: type, where: str = "", required: bool = True) -> Any:
        label = f"{where}{key}"
        if key not in table:
            if required:
                raise self.fail(label, "missing")
            return None
        value = table[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(label, f"expected {kind.__name__}, got {type(value).__name__}")
        return value

    def manifest(self, data: dict) -> Manifest:
        version = self.get(data, "format_version", int, required=False) or FORMAT_VERSION
        if version > FORMAT_VERSION:
            raise self.fail("format_version", f"{version} is newer than this latm understands ({FORMAT_VERSION}); upgrade latm")
        name = self.get(data, "name", str)
        if not NAME_RE.fullmatch(name):
            raise self.fail("name", f"{name!r} is not a valid tool name")
        entry = self.get(data, "entry", str)
        if not entry.isidentifier():
            raise self.fail("entry", f"{entry!r} is not a Python function name")
        return Manifest(
            name=name,
            summary=self.get(data, "summary", str),
            entry=entry,
            signature=self.get(data, "signature", str),
            provenance=self.provenance(self.get(data, "provenance", dict)),
            verification=self.verification(self.get(data, "verification", dict, required=False) or {}),
            examples=tuple(self.example(e, i) for i, e in enumerate(self.get(data, "examples", list, required=False) or [])),
            use_cases=tuple(self.use_case(u, i) for i, u in enumerate(self.get(data, "use_cases", list, required=False) or [])),
            parser=self.parser(self.get(data, "parser", dict, required=False)),
            format_version=version,
            version=self.positive(data, "version"),
            history=tuple(self.history_entry(h, i) for i, h in enumerate(self.get(data, "history", list, required=False) or [])),
            requirements=self.requirements(self.get(data, "requirements", list, required=False) or []),
        )

    def requirements(self, items: list) -> tuple[str, ...]:
        try:
            return tuple(str(pin) for pin in parse_pins(items))
        except BadRequirement as err:
            raise self.fail("requirements", str(err)) from None

    def positive(self, table: dict, key: str, where: str = "") -> int:
        value = self.get(table, key, int, where, required=False)
        if value is not None and value < 1:
            raise self.fail(where + key, f"{value} is not a version number (1 or more)")
        return value or 1

    def history_entry(self, table: Any, index: int) -> HistoryEntry:
        where = f"history[{index}]."
        if not isinstance(table, dict):
            raise self.fail(f"history[{index}]", "expected a table with version, time, tool_hash, reason")
        reason = self.get(table, "reason", str, where)
        if reason not in REASONS:
            raise self.fail(where + "reason", f"{reason!r} is not one of {', '.join(REASONS)}")
        return HistoryEntry(
            version=self.positive(table, "version", where), time=self.get(table, "time", str, where),
            tool_hash=self.get(table, "tool_hash", str, where), reason=reason,
            maker_model=self.get(table, "maker_model", str, where, required=False) or "",
            examples_added=self.get(table, "examples_added", int, where, required=False) or 0,
        )

    def failure(self, table: Any, index: int) -> Failure:
        where = f"verification.failures[{index}]."
        if not isinstance(table, dict):
            raise self.fail(f"verification.failures[{index}]", "expected a table with question and expected")
        return Failure(self.get(table, "question", str, where), self.get(table, "expected", str, where),
                       self.get(table, "got", str, where, required=False) or "",
                       self.get(table, "error", str, where, required=False) or "")

    def provenance(self, table: dict) -> Provenance:
        origin = self.get(table, "origin", str, "provenance.")
        if origin not in ORIGINS:
            raise self.fail("provenance.origin", f"{origin!r} is not one of {', '.join(ORIGINS)}")
        return Provenance(
            origin=origin,
            maker_model=self.get(table, "maker_model", str, "provenance.", required=False) or "",
            created=self.get(table, "created", str, "provenance.", required=False) or "",
            tool_hash=self.get(table, "tool_hash", str, "provenance."),
        )

    def verification(self, table: dict) -> Verification:
        where = "verification."
        return Verification(
            passed=self.get(table, "passed", int, where, required=False) or 0,
            total=self.get(table, "total", int, where, required=False) or 0,
            verified_at=self.get(table, "verified_at", str, where, required=False) or "",
            sandbox=self.get(table, "sandbox", str, where, required=False) or "",
            failures=tuple(self.failure(f, i) for i, f in enumerate(self.get(table, "failures", list, where, required=False) or [])),
        )

    def example(self, table: Any, index: int) -> Example:
        where = f"examples[{index}]."
        if not isinstance(table, dict):
            raise self.fail(f"examples[{index}]", "expected a table with question, answer, split")
        split = self.get(table, "split", str, where, required=False) or "train"
        if split not in SPLITS:
            raise self.fail(where + "split", f"{split!r} is not one of {', '.join(SPLITS)}")
        return Example(self.get(table, "question", str, where), self.get(table, "answer", str, where), split)

    def use_case(self, table: Any, index: int) -> UseCase:
        where = f"use_cases[{index}]."
        if not isinstance(table, dict):
            raise self.fail(f"use_cases[{index}]", "expected a table with question and code")
        return UseCase(self.get(table, "question", str, where), self.get(table, "code", str, where))

    def parser(self, table: Optional[dict]) -> Optional[ParserEntry]:
        if table is None:
            return None
        where = "parser."
        entry = ParserEntry(
            parse=self.get(table, "parse", str, where),
            format=self.get(table, "format", str, where),
            verified_on=self.get(table, "verified_on", int, where, required=False) or 0,
        )
        for key in ("parse", "format"):
            if not getattr(entry, key).isidentifier():
                raise self.fail(where + key, f"{getattr(entry, key)!r} is not a Python function name")
        return entry
