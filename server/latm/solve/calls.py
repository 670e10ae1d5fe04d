"""An answer's code as a person would write it in the workspace (``latm.insert = "call"``).

A user-model answer carries the code the model wrote (``Answer.code``). A parser answer's call
is written on request: the parser runs once more in the sandbox and its arguments become
literals, ``ans = count_words(sentence='a b c')``. Solving does not do that for every answer, as
it costs a sandbox run per question that a batch would pay for nothing.

The imports are what the code reads from the tool: its functions and constants from the tool's
module, and the tool's own imports restated.
"""

from __future__ import annotations

import ast
import dataclasses
from typing import Optional

from latm.solve.solver import PARSER, Answer
from latm.source import parse
from latm.errors import LatmError
from latm.progress import CancelToken
from latm.sandbox.types import Call
from latm.toolbox.registry import Tool
from latm.workspace import Workspace


class NoCall(LatmError):
    """No code can be written for this answer; the answer itself can be inserted."""


def with_call(ws: Workspace, tool: Tool, answer: Answer, cancel: Optional[CancelToken] = None) -> Answer:
    """``answer`` with the code that sets ``ans``: the code that solved it, or the parser's literal call."""
    if answer.code:
        return answer
    parser = tool.manifest.parser
    if parser is None or answer.path != PARSER:
        raise NoCall(
            f"Tool '{tool.name}' gave no code with this answer, so there is no call to write out; "
            "the answer was found, insert it instead (setting insert = answer)."
        )
    if cancel:
        cancel.check()
    (result,) = ws.sandbox_for(tool.manifest.requirements).run(tool.code, [Call(entry=parser.parse, args=[answer.question])],
                                 timeout_s=ws.settings.timeout_s)
    arguments = result.value if result.ok else None
    if not isinstance(arguments, dict) or not all(isinstance(k, str) and k.isidentifier() for k in arguments):
        raise NoCall(f"The question parser of '{tool.name}' gave no arguments to write out: {result.describe()}")
    written = ", ".join(f"{key}={value!r}" for key, value in arguments.items())
    return dataclasses.replace(answer, code=f"ans = {tool.manifest.entry}({written})\n")


def import_lines(ws: Workspace, tool: Tool, code: str) -> list[str]:
    """The imports ``code`` needs beside the tool's folder: the tool's imports it relies on, then
    the tool's names it reads (the entry function when it reads none)."""
    tool_tree, read = parse(tool.code), _read_names(code)
    defined = _definitions(tool_tree)
    names = [name for name in read if name in defined] or [tool.manifest.entry]
    return [*_restated_imports(tool_tree, set(read)), f"from {_module(ws, tool)} import {', '.join(names)}"]


def _module(ws: Workspace, tool: Tool) -> str:
    try:
        parts = ws.toolbox_dir.relative_to(ws.root).parts
    except ValueError:
        parts = ()
    if not parts or not all(p.isidentifier() for p in parts):
        raise NoCall(
            f"The toolbox folder {ws.toolbox_dir} is not an importable package path from {ws.root}, so no import "
            "can be written; insert the answer instead (setting insert = answer)."
        )
    return f"{'.'.join(parts)}.{tool.name}.tool"


def _read_names(code: str) -> list[str]:
    """Names ``code`` reads but does not bind itself, in the order they first appear."""
    nodes = list(ast.walk(parse(code)))
    bound = {n.id for n in nodes if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    bound |= {n.name for n in nodes if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    bound |= {_bound(a) for n in nodes if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
    loaded = sorted((n for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)),
                    key=lambda n: (n.lineno, n.col_offset))
    return list(dict.fromkeys(n.id for n in loaded if n.id not in bound))


def _definitions(tree: ast.Module) -> set[str]:
    """Top-level functions, classes and constants of the tool."""
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            names |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return names


def _restated_imports(tree: ast.Module, read: set[str]) -> list[str]:
    """The tool's top-level imports of names ``read`` (model code runs in the tool's namespace)."""
    lines = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            lines += [f"import {_named(a)}" for a in node.names if _bound(a) in read]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            lines += [f"from {node.module} import {_named(a)}" for a in node.names if _bound(a) in read]
    return lines


def _bound(alias: ast.alias) -> str:
    return alias.asname or alias.name.split(".")[0]


def _named(alias: ast.alias) -> str:
    return alias.name + (f" as {alias.asname}" if alias.asname else "")
