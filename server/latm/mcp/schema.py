"""A tool's entry function as JSON Schema, read from its source with ``ast`` only (nothing runs).

Annotations become JSON Schema types (``list[str]`` -> an array of strings, ``int | None`` ->
integer or null, ...). A parameter without a usable annotation gets a schema inferred from the
argument values of the tool's verified use cases, where each call of the entry function is read
literally. Arguments an agent sends are checked against the schema before anything runs.
"""

from __future__ import annotations

import ast
import json
import math
from dataclasses import dataclass
from typing import Any, Iterable, Optional, Sequence

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from latm.source import CodeProblem, parse
from latm.errors import LatmError

SIMPLE = {"str": "string", "int": "integer", "float": "number", "bool": "boolean", "None": "null",
          "NoneType": "null"}
ARRAYS = {"list", "List", "Sequence", "MutableSequence", "Iterable", "Collection", "set", "Set", "frozenset",
          "FrozenSet", "AbstractSet", "tuple", "Tuple"}
MAPPINGS = {"dict", "Dict", "Mapping", "MutableMapping"}
ANY = {"Any", "object"}
INFERRED = "no type annotation: the schema is inferred from the verified use cases' arguments"


@dataclass(frozen=True)
class Param:
    name: str
    positional_only: bool
    keyword_only: bool
    required: bool
    schema: dict


@dataclass(frozen=True)
class Signature:
    """What an MCP client needs to call the entry function, and what it gets back."""

    entry: str
    params: tuple[Param, ...]
    extra_keywords: bool  # the function takes **kwargs
    returns: dict  # schema of the return annotation; {} when there is none
    returns_text: str  # the annotation as written; "" when there is none
    docstring: str

    def input_schema(self) -> dict:
        properties = {p.name: p.schema for p in self.params}
        schema = {"type": "object", "properties": properties, "additionalProperties": self.extra_keywords}
        required = [p.name for p in self.params if p.required]
        return schema | ({"required": required} if required else {})

    def names(self) -> tuple[list[str], list[str]]:
        """(parameters that may be passed by position, in order; keyword-only parameters)."""
        return [p.name for p in self.params if not p.keyword_only], [p.name for p in self.params if p.keyword_only]

    def call_args(self, arguments: dict) -> Any:
        """The sandbox call's ``args``: keywords, or in order when the function takes positional-only ones."""
        if not any(p.positional_only for p in self.params):
            return dict(arguments)
        last = max((i for i, p in enumerate(self.params) if p.name in arguments), default=-1)
        return [_positional(p, arguments, self.params[last].name) for p in self.params[: last + 1]]


class ArgumentGap(LatmError):
    """A positional-only call cannot skip a parameter whose default is not a plain value."""


def _positional(param: Param, arguments: dict, last: str) -> Any:
    if param.name in arguments:
        return arguments[param.name]
    if "default" in param.schema:
        return param.schema["default"]
    raise ArgumentGap(f"Give '{param.name}' too: the function takes its arguments by position, '{param.name}' comes "
                      f"before '{last}', and its default is not a plain value latm can send.")


def read_signature(code: str, entry: str, use_case_codes: Sequence[str] = ()) -> Signature:
    """The entry function's signature; raises CodeProblem when ``code`` has no such function."""
    node = next((n for n in parse(code).body
                 if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == entry), None)
    if node is None:
        raise CodeProblem(f"tool.py defines no function {entry!r}.")
    args = node.args
    positional = [(a, True, False) for a in args.posonlyargs] + [(a, False, False) for a in args.args]
    keyword_only = [] if args.posonlyargs else [(a, False, True) for a in args.kwonlyargs]  # no way to pass both
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    defaults += [] if args.posonlyargs else list(args.kw_defaults)
    observed = _observed(use_case_codes, entry, [a.arg for a, *_ in positional], [a.arg for a, *_ in keyword_only])
    params = tuple(_param(arg, by_position, by_keyword, default, observed.get(arg.arg, []))
                   for (arg, by_position, by_keyword), default in zip(positional + keyword_only, defaults))
    returns = annotation_schema(node.returns)
    return Signature(entry, params, args.kwarg is not None and not args.posonlyargs,
                     returns if returns is not None else {}, ast.unparse(node.returns) if node.returns else "",
                     ast.get_docstring(node) or "")


def _param(arg: ast.arg, positional_only: bool, keyword_only: bool, default: Optional[ast.expr], values: list) -> Param:
    found, value = _literal(default) if default is not None else (False, None)
    schema = annotation_schema(arg.annotation)
    if schema is None:  # the default is one more observed value: `table=None` also takes null
        schema = value_schema(values + [value] * found) | {"description": INFERRED}
    if found:
        schema = schema | {"default": value}
    return Param(arg.arg, positional_only, keyword_only, default is None, schema)


# Annotations -> JSON Schema. None means "nothing usable": the caller infers instead.

def annotation_schema(node: Optional[ast.expr]) -> Optional[dict]:
    if node is None:
        return None
    if isinstance(node, ast.Constant):
        if node.value is None:
            return {"type": "null"}
        if isinstance(node.value, str):  # a forward reference: "list[int]"
            try:
                return annotation_schema(ast.parse(node.value, mode="eval").body)
            except SyntaxError:
                return None
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _union([node.left, node.right])
    if isinstance(node, ast.Subscript):
        return _generic(_name(node.value), list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice])
    name = _name(node)
    if name in SIMPLE:
        return {"type": SIMPLE[name]}
    if name in ARRAYS:
        return {"type": "array"}
    if name in MAPPINGS:
        return {"type": "object"}
    return {} if name in ANY else None


def _name(node: ast.expr) -> Optional[str]:
    """``list`` for ``list`` and for ``typing.List`` -> ``List``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _generic(base: Optional[str], args: list[ast.expr]) -> Optional[dict]:
    if base in ("Optional",) and len(args) == 1:
        return _union([args[0], ast.Constant(None)])
    if base == "Union":
        return _union(args)
    if base == "Annotated" and args:
        return annotation_schema(args[0])
    if base == "Literal":
        values = [_literal(a) for a in args]
        return {"enum": [v for ok, v in values if ok]} if all(ok for ok, _ in values) else None
    if base in ("tuple", "Tuple") and not (len(args) == 2 and _is_ellipsis(args[1])):
        items = [annotation_schema(a) or {} for a in args]
        return {"type": "array", "prefixItems": items, "minItems": len(items), "maxItems": len(items)}
    if base in ARRAYS:
        return _with("array", "items", annotation_schema(args[0]) if args else None)
    if base in MAPPINGS:
        return _with("object", "additionalProperties", annotation_schema(args[1]) if len(args) == 2 else None)
    return annotation_schema(ast.Name(base)) if base else None


def _is_ellipsis(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is Ellipsis


def _with(kind: str, key: str, inner: Optional[dict]) -> dict:
    return {"type": kind, key: inner} if inner else {"type": kind}


def _union(members: list[ast.expr]) -> dict:
    schemas = [annotation_schema(m) for m in members]
    if any(not s for s in schemas):  # an unknown or Any member: anything goes
        return {}
    return _any_of(schemas)


def _any_of(schemas: Iterable[dict]) -> dict:
    unique = list({json.dumps(s, sort_keys=True): s for s in schemas}.values())
    return unique[0] if len(unique) == 1 else {"anyOf": unique}


# Values -> JSON Schema, for parameters that declare no type.

def value_schema(values: Sequence[Any]) -> dict:
    """The narrowest plain schema that accepts every value; {} when there are none."""
    kinds: dict[str, list] = {}
    for value in values:
        kinds.setdefault(_kind(value), []).append(value)
    if "integer" in kinds and "number" in kinds:
        kinds["number"] += kinds.pop("integer")
    schemas = []
    for kind, found in kinds.items():
        if kind == "array":
            schemas.append(_with("array", "items", value_schema([x for v in found for x in v])))
        elif kind == "object":
            schemas.append(_with("object", "additionalProperties", value_schema([x for v in found for x in v.values()])))
        else:
            schemas.append({"type": kind})
    return _any_of(schemas) if schemas else {}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


# Use cases: the literal arguments of the entry's calls.

def use_case_arguments(code: str, entry: str, positional: Sequence[str], keyword_only: Sequence[str] = ()) -> Optional[dict]:
    """The arguments of the first call of ``entry`` in a use case whose every argument is a literal
    (or a name assigned a literal before it), by parameter name; None when there is no such call."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    known: dict[str, Any] = {}
    for statement in tree.body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == entry:
                bound = _bind(node, known, positional, set(positional) | set(keyword_only))
                if bound is not None:
                    return bound
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
            found, value = _literal(statement.value, known)
            if found:
                known[statement.targets[0].id] = value
    return None


def _bind(call: ast.Call, known: dict, positional: Sequence[str], names: set[str]) -> Optional[dict]:
    if len(call.args) > len(positional) or any(isinstance(a, ast.Starred) for a in call.args):
        return None
    pairs = list(zip(positional, call.args)) + [(k.arg, k.value) for k in call.keywords]
    bound = {}
    for name, node in pairs:
        found, value = _literal(node, known)
        if name is None or name not in names or not found:
            return None
        bound[name] = value
    return bound


def _observed(codes: Sequence[str], entry: str, positional: list[str], keyword_only: list[str]) -> dict[str, list]:
    values: dict[str, list] = {}
    for code in codes:
        for name, value in (use_case_arguments(code, entry, positional, keyword_only) or {}).items():
            values.setdefault(name, []).append(value)
    return values


def _literal(node: ast.expr, known: Optional[dict] = None) -> tuple[bool, Any]:
    """(True, the JSON value of a literal expression), else (False, None)."""
    if known is not None and isinstance(node, ast.Name) and node.id in known:
        return True, known[node.id]
    try:
        return _json_value(ast.literal_eval(node))
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False, None


def _json_value(value: Any) -> tuple[bool, Any]:
    if value is None or isinstance(value, (bool, int, str)):
        return True, value
    if isinstance(value, float):
        return (True, value) if math.isfinite(value) else (False, None)
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_json_value(v) for v in value]
        return (True, [v for _, v in items]) if all(ok for ok, _ in items) else (False, None)
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        items = {k: _json_value(v) for k, v in value.items()}
        return (True, {k: v for k, (_, v) in items.items()}) if all(ok for ok, _ in items.values()) else (False, None)
    return False, None


# Checking arguments.

class ArgumentCheck:
    """Checks arguments against one input schema (compiled once: a tool is called many times)."""

    def __init__(self, schema: dict) -> None:
        self._validator = Draft202012Validator(schema)

    def problem(self, arguments: Any) -> Optional[str]:
        """None when ``arguments`` fit the schema; else one sentence saying where and why not."""
        error = best_match(self._validator.iter_errors(arguments))
        if error is None:
            return None
        where = ".".join(str(part) for part in error.absolute_path)
        return f"{'argument ' + repr(where) + ': ' if where else ''}{error.message}"
