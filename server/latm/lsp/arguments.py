"""The one argument object each ``latm.*`` command takes, typed and checked strictly.

A command is called as ``{"command": "latm.makeTool", "arguments": [{...}]}``. The object's keys
are camelCase on the wire (``dryRun``) and snake_case here. A wrong type, a missing key or an
unknown key is an ``InvalidParams`` error naming the key, never a silent coercion: a misspelt
``dryrun`` must not turn a dry run into a real commit.
"""

from __future__ import annotations

from typing import Any, Optional, Union, get_args, get_origin, get_type_hints

import attrs
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams


@attrs.frozen
class NoArgs:
    pass


@attrs.frozen
class MakeToolArgs:
    uri: str
    range: types.Range
    name: Optional[str] = None
    force: bool = False  # make even when a tool already answers every example


@attrs.frozen
class SolveArgs:
    uri: str
    range: types.Range
    tool: Optional[str] = None
    insert: Optional[str] = None  # "answer" | "call"; default: the `insert` setting


@attrs.frozen
class NameArgs:
    name: str


@attrs.frozen
class PendingMakeArgs:
    group: str
    name: Optional[str] = None


@attrs.frozen
class CommitArgs:
    name: str
    message: Optional[str] = None
    dry_run: bool = False


@attrs.frozen
class CorrectArgs:
    """An inserted ``Answer: …`` line (``range``) and the right answer; without ``answer``, the text
    now on that line is the right answer; without ``tool``, the tool that answered the question."""

    uri: str
    range: types.Range
    answer: Optional[str] = None
    tool: Optional[str] = None


@attrs.frozen
class ExamplesArgs:
    """Solved examples selected in a document, to add to the tool ``name`` as reported examples."""

    name: str
    uri: str
    range: types.Range


@attrs.frozen
class RepairArgs:
    name: str
    remake: bool = False  # make it anew from all its stored examples


@attrs.frozen
class RollbackArgs:
    name: str
    version: Optional[int] = None  # default: the version before (or, over a hand edit, the current one)


@attrs.frozen
class EvaluateArgs:
    data: str  # a path (absolute, or relative to the workspace root) or a file URI
    tool: Optional[str] = None
    make: Optional[str] = None
    methods: Optional[str] = None  # comma-separated; default all
    out: Optional[str] = None


INSERT_CHOICES = ("answer", "call")


def wire_range(client_range: types.Range) -> dict:
    """A range as a command argument: plain JSON, the way clients send it back."""
    return {
        "start": {"line": client_range.start.line, "character": client_range.start.character},
        "end": {"line": client_range.end.line, "character": client_range.end.character},
    }


def wire_name(field: str) -> str:
    head, *rest = field.split("_")
    return head + "".join(part.title() for part in rest)


def parse_arguments(command: str, cls: type, arguments: tuple) -> Any:
    """``cls`` from the command's argument list (empty, or one object)."""
    if len(arguments) > 1:
        raise _invalid(command, f"takes one argument object, got {len(arguments)} arguments")
    raw = arguments[0] if arguments else {}
    if raw is None:
        raw = {}
    fields = attrs.fields(cls)
    expected = ", ".join(wire_name(f.name) for f in fields) or "no keys"
    if not isinstance(raw, dict):
        raise _invalid(command, f"expects an object ({expected}), got {_kind(raw)}")
    unknown = sorted(set(raw) - {wire_name(f.name) for f in fields})
    if unknown:
        raise _invalid(command, f"unknown key(s) {', '.join(map(repr, unknown))}; expected {expected}")
    hints = get_type_hints(cls)
    values = {}
    for field in fields:
        key = wire_name(field.name)
        if key not in raw:
            if field.default is attrs.NOTHING:
                raise _invalid(command, f"missing key {key!r}")
            continue
        values[field.name] = _convert(command, key, raw[key], hints[field.name])
    if "insert" in values and values["insert"] is not None and values["insert"] not in INSERT_CHOICES:
        raise _invalid(command, f"'insert' must be one of {', '.join(INSERT_CHOICES)}, got {values['insert']!r}")
    return cls(**values)


def _convert(command: str, key: str, value: Any, hint: Any) -> Any:
    if get_origin(hint) is Union:  # Optional[X]
        if value is None:
            return None
        hint = next(arg for arg in get_args(hint) if arg is not type(None))
    if hint is types.Range:
        return _range(command, key, value)
    if hint is bool and isinstance(value, bool) or hint is str and isinstance(value, str):
        return value
    if hint is int and isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    wanted = {str: "a string", bool: "true or false", int: "a positive whole number"}.get(hint, str(hint))
    raise _invalid(command, f"{key!r} must be {wanted}, got {_kind(value)}")


def _range(command: str, key: str, value: Any) -> types.Range:
    try:
        start, end = (_position(value[part]) for part in ("start", "end"))
    except (KeyError, TypeError, ValueError):
        raise _invalid(
            command, f"{key!r} must be a range {{start: {{line, character}}, end: {{line, character}}}}, got {value!r}"
        ) from None
    if (end.line, end.character) < (start.line, start.character):
        raise _invalid(command, f"{key!r} ends before it starts")
    return types.Range(start, end)


def _position(value: Any) -> types.Position:
    line, character = value["line"], value["character"]
    for number in (line, character):
        if not isinstance(number, int) or isinstance(number, bool) or number < 0:
            raise ValueError(number)
    return types.Position(line, character)


def _kind(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"[:120]


def _invalid(command: str, message: str) -> JsonRpcInvalidParams:
    return JsonRpcInvalidParams(f"{command}: {message}")
