"""What a tool's code imports, read from its syntax tree before it runs (it is never executed here).

Counted: ``import a.b``, ``from a import b`` (absolute only), and ``__import__("a")`` or
``importlib.import_module("a")`` with a literal name. A name built at run time is not seen; the
sandbox holds nothing beyond the standard library and the allowed packages either way, so such
an import can find nothing else.
"""

from __future__ import annotations

import ast
import sys
from typing import Iterable

STANDARD = frozenset(sys.stdlib_module_names) | {"__future__"}
_DYNAMIC = {"__import__", "import_module"}


def imported(code: str) -> set[str]:
    """The top-level names ``code`` imports; empty for code that does not parse (its run says why)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and _dynamic_name(node):
            found.add(_dynamic_name(node).split(".")[0])
    return found


def _dynamic_name(node: ast.Call) -> str:
    function = node.func
    name = function.id if isinstance(function, ast.Name) else function.attr if isinstance(function, ast.Attribute) else ""
    if name in _DYNAMIC and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        return node.args[0].value
    return ""


def outside(code: str, allowed_modules: Iterable[str]) -> list[str]:
    """The imports of ``code`` that are neither standard library nor in ``allowed_modules``, sorted."""
    allowed = STANDARD | set(allowed_modules)
    return sorted(name for name in imported(code) if name and name not in allowed)
