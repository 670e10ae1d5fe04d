"""Unit tests that report their asserts: each ``assert`` becomes a call that records its line,
the two values it compared and whether it passed, and the host reads that record strictly.

The record lives in a closure, not under a name the tests can see, and the tests may not use
latm's names (those that start with ``_latm``), so ordinary test code cannot touch it. Code bent
on reaching it can; what it leaves there is then checked row by row on the host, so nothing in
it can crash latm, and it cannot fake a pass either, because the checks also run the tests with
the entry function returning wrong values (see ``mutants``).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, Optional

from latm.source import CodeProblem, parse

RECORD_VAR = "_latm_record"
RESERVED = "_latm"
# Runs before the instrumented tests, in the sandbox. ``keep_going``: a failed assert is recorded
# and the tests go on (the runs with a wrong entry function want every assert's verdict).
PRELUDE = '''
def _latm_checks(keep_going):
    rows = []

    def record(line, left, right, same, message, default):
        rows.append([line, left, right, same])
        if not same and not keep_going:
            raise AssertionError(message if message is not None else default())

    def eq(line, left, right, message=None):
        record(line, str(left), str(right), bool(left == right), message, lambda: f"{left!r} != {right!r}")

    def true(line, value, message=None):
        record(line, None, None, bool(value), message, lambda: "assertion failed")

    return eq, true, lambda: [list(row) for row in rows]


_latm_eq, _latm_true, _latm_rows = _latm_checks(%s)
del _latm_checks
'''
READ = f"\n{RECORD_VAR} = _latm_rows()\n"


@dataclass(frozen=True)
class Row:
    """One executed assert: its line in the tests, what it compared (as text), its verdict."""

    line: int
    left: Optional[str]
    right: Optional[str]  # None: not an equality
    passed: bool


class RecordProblem(Exception):
    """The record that came back is not one latm wrote; the message is for the maker."""


def refuse_reserved(tests: str) -> None:
    """Raise CodeProblem when the tests use one of latm's names (or a string holding one)."""
    for node in ast.walk(parse(tests, "tests")):
        for text in _names(node):
            if RESERVED in text:
                shown = text if len(text) <= 40 else text[:37] + "..."
                raise CodeProblem(f"The tests use `{shown}`, a name latm keeps for its own checks; please use "
                                  "other names and plain `assert` statements.")


def _names(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Attribute):
        return [node.attr]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, ast.arg):
        return [node.arg]
    if isinstance(node, ast.alias):
        return [node.name, node.asname or ""]
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        return list(node.names)
    return []


class _Instrument(ast.NodeTransformer):
    def visit_Assert(self, node: ast.Assert) -> ast.stmt:
        test, line = node.test, ast.Constant(node.lineno)
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq):
            call = _call("_latm_eq", [line, test.left, test.comparators[0]], node.msg)
        else:
            call = _call("_latm_true", [line, test], node.msg)
        return ast.copy_location(ast.Expr(call), node)


def _call(name: str, args: list, msg: Optional[ast.expr]) -> ast.Call:
    return ast.Call(ast.Name(name, ast.Load()), args + ([msg] if msg is not None else []), [])


def instrumented(tests: str, keep_going: bool = False) -> str:
    """The tests with every ``assert`` turned into a recording check, then the record read into
    RECORD_VAR. ``keep_going``: failed asserts and errors do not stop the record from being read."""
    tree = parse(tests, "tests")
    try:
        tree = _Instrument().visit(tree)
        if keep_going:
            handler = ast.ExceptHandler(ast.Name("BaseException", ast.Load()), None, [ast.Pass()])
            tree.body = [ast.Try(tree.body or [ast.Pass()], [handler], [], [])]
        body = ast.unparse(ast.fix_missing_locations(tree))
    except RecursionError:
        raise CodeProblem("The tests are nested too deeply to read; write them plainly.") from None
    return PRELUDE % keep_going + "\n" + body + "\n" + READ


def read_record(value: Any) -> list[Row]:
    """The rows of a record as latm writes them; RecordProblem for anything else."""
    if not isinstance(value, list):
        raise RecordProblem(_unreadable(f"it is {_shown(value)}, not a list"))
    rows = []
    for number, row in enumerate(value, 1):
        if not (isinstance(row, list) and len(row) == 4 and type(row[0]) is int and row[0] > 0
                and all(side is None or isinstance(side, str) for side in row[1:3]) and type(row[3]) is bool):
            raise RecordProblem(_unreadable(f"entry {number} is {_shown(row)}"))
        rows.append(Row(*row))
    return rows


def _unreadable(what: str) -> str:
    return (f"latm could not read its record of the tests' asserts: {what}. The tests must leave latm's "
            "checks alone; write plain `assert` statements.")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
