"""Reading model-written Python on the host with ``ast`` only (parsing never runs it).

Used to tidy a proposal into a reviewable ``tool.py``, find its entry function, fold a fixed
function from a later reply back into the tool, find the answer variable of a use case, and cut
verified tests into use cases.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Optional

PARSER_FUNCTIONS = ("parse_question", "format_answer")
ANSWER_VAR = "_latm_answer"


class CodeProblem(Exception):
    """Code that cannot be used as it is; the message is fed back to the model."""


@dataclass(frozen=True)
class TestCase:
    code: str  # sets ``ans``
    expected: Optional[str]  # the literal the test compared ``ans`` with, if any


def parse(code: str, what: str = "code") -> ast.Module:
    try:
        return ast.parse(code)
    except SyntaxError as err:
        raise CodeProblem(f"SyntaxError in the {what}: {err.msg} (line {err.lineno}).") from None
    except ValueError as err:  # e.g. NUL bytes
        raise CodeProblem(f"The {what} cannot be parsed: {err}.") from None
    except (RecursionError, MemoryError):
        raise CodeProblem(f"The {what} cannot be read (nested too deeply, or too large); please write it plainly.") from None


def functions(tree: ast.Module) -> list[str]:
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def require_function(code: str) -> ast.Module:
    tree = parse(code, "function")
    if not functions(tree):
        raise CodeProblem("The code defines no function. Write the solution as a Python function (def ...).")
    return tree


# Tidying a proposal: drop the "example usage" that runs the tool at import.

def clean_tool(code: str) -> str:
    tree = parse(code)
    try:
        return _tidied(code, tree)
    except RecursionError:
        return code  # too deep to tidy; it is kept as written


def _tidied(code: str, tree: ast.Module) -> str:
    defined = set(functions(tree))
    last_def = max((i for i, n in enumerate(tree.body) if isinstance(n, _DEFINITIONS)), default=len(tree.body))
    drop = [n for i, n in enumerate(tree.body) if _is_usage(n, defined, after_defs=i > last_def)]
    while True:  # keep what the rest of the module still reads, and what that reads in turn
        needed = set().union(*(_free_names(n) for n in tree.body if n not in drop))
        rescued = [n for n in drop if _assigned(n) & needed]
        if not rescued:
            break
        drop = [n for n in drop if n not in rescued]
    return _without(code, drop, trailing_comments=bool(drop))


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _is_usage(node: ast.stmt, defined: set[str], after_defs: bool) -> bool:
    """Top-level code that runs the tool for show: prints, calls of its functions, demo data."""
    if isinstance(node, ast.If):
        shown = [n for n in node.body + node.orelse]
        return "__name__" in ast.unparse(node.test) or all(_is_usage(n, defined, after_defs) for n in shown)
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        return _calls(node.value, defined | {"print"})
    if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
        return _calls(node.value, defined) or (after_defs and _is_literal(node.value))
    return False


def _is_literal(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _assigned(node: ast.stmt) -> set[str]:
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    return {n.id for t in targets if t is not None for n in ast.walk(t) if isinstance(n, ast.Name)}


def _free_names(node: ast.stmt) -> set[str]:
    """Names a statement reads from the module (a function's own parameters and locals excluded)."""
    loaded = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        local = {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
        local |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        globals_ = {name for n in ast.walk(node) if isinstance(n, ast.Global) for name in n.names}
        return loaded - (local - globals_)
    return loaded


def _calls(node: ast.AST, names: set[str]) -> bool:
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in names for n in ast.walk(node))


def _without(code: str, nodes: list[ast.stmt], trailing_comments: bool = False) -> str:
    lines = code.splitlines()
    for node in sorted(nodes, key=lambda n: n.lineno, reverse=True):
        start = node.lineno - 1 - len(getattr(node, "decorator_list", []) or [])
        del lines[start: node.end_lineno]
    while trailing_comments and lines and (not lines[-1].strip() or lines[-1].lstrip().startswith("#")):
        lines.pop()  # e.g. the "# Example usage:" heading of what was dropped
    return _tidy("\n".join(lines))


def _tidy(code: str) -> str:
    out: list[str] = []
    for line in code.rstrip().splitlines():
        if line.strip() or (out and out[-1].strip()) or (len(out) > 1 and out[-2].strip()):
            out.append(line.rstrip())
    return "\n".join(out).strip("\n") + "\n"


# A later reply that restates or fixes tool functions.

def merge_definitions(tool_code: str, reply_code: str) -> tuple[str, str]:
    """(tool with the reply's versions of its functions, the rest of the reply)."""
    tool_tree, reply_tree = parse(tool_code), parse(reply_code, "tests")
    known = set(functions(tool_tree))
    replaced = {n.name: n for n in reply_tree.body
                if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name in known}
    if not replaced:
        return tool_code, reply_code
    lines = tool_code.splitlines()
    for node in sorted((n for n in tool_tree.body if getattr(n, "name", None) in replaced), key=lambda n: -n.lineno):
        start = node.lineno - 1 - len(node.decorator_list)
        lines[start: node.end_lineno] = _segment(reply_code, replaced[node.name]).splitlines()
    imports = [_segment(reply_code, n) for n in reply_tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    missing = [i for i in imports if i not in tool_code]
    merged = "\n".join(missing + ([""] if missing else []) + lines)
    return _tidy(merged), _without(reply_code, list(replaced.values()))


def _segment(code: str, node: ast.stmt) -> str:
    lines = code.splitlines()
    start = node.lineno - 1 - len(getattr(node, "decorator_list", []) or [])
    return "\n".join(lines[start: node.end_lineno])


def without_functions(code: str, names: set[str]) -> str:
    """``code`` minus top-level definitions of ``names`` (the parser reply must not redefine the tool)."""
    tree = parse(code, "parser")
    return _without(code, [n for n in tree.body if getattr(n, "name", None) in names])


# Entry function, signature, summary.

def pick_entry(code: str, tests: str = "") -> str:
    """The function the tests call that no other tool function calls; else the last such function."""
    tree = parse(code)
    names = [n for n in functions(tree) if n not in PARSER_FUNCTIONS]
    internal = {n.func.id for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id != node.name}
    tested = _called_names(tests) if tests else set()
    for pool in ([n for n in names if n in tested and n not in internal], [n for n in names if n in tested],
                 [n for n in names if n not in internal], names):
        if pool:
            return pool[-1]
    raise CodeProblem("The code defines no function.")


def _called_names(code: str) -> set[str]:
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return set()
    return {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}


def _function(code: str, name: str) -> ast.FunctionDef:
    return next(n for n in parse(code).body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name)


def signature(code: str, name: str) -> str:
    node = _function(code, name)
    returns = f" -> {ast.unparse(node.returns)}" if node.returns else ""
    return f"{name}({ast.unparse(node.args)}){returns}"


def summary(code: str, name: str, fallback: str) -> str:
    doc = ast.get_docstring(_function(code, name)) or ast.get_docstring(parse(code)) or ""
    line = doc.strip().splitlines()[0].strip() if doc.strip() else fallback
    return line if len(line) <= 200 else line[:199] + "…"


# Answers and assertions.

def answer_variable(code: str) -> Optional[str]:
    """``ans`` if the code assigns it, else the last assigned name starting with ``ans``."""
    stored = [n.id for n in ast.walk(parse(code)) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)]
    if "ans" in stored:
        return "ans"
    candidates = [n for n in stored if n.startswith("ans")]
    return candidates[-1] if candidates else None


def with_ans(code: str) -> str:
    """Use-case code that sets ``ans`` (the reference's use cases may set ``ans1``, ``ans2``...)."""
    var = answer_variable(code)
    if var is None:
        raise CodeProblem("The code does not set the variable `ans` to the answer.")
    return code.rstrip() + ("" if var == "ans" else f"\nans = {var}") + "\n"


def answer_snippet(code: str) -> str:
    """The use-case code, then its answer as text in ANSWER_VAR (converted inside the sandbox)."""
    return with_ans(code) + f"{ANSWER_VAR} = str(ans).strip()\n"


def call_snippet(entry: str, question: str, parse_fn: str = "parse_question", format_fn: str = "format_answer") -> str:
    """The zero-model path for one question: parse, call, format."""
    return f"_q = {question!r}\n{ANSWER_VAR} = str({format_fn}({entry}(**{parse_fn}(_q)), _q)).strip()\n"


# Use cases from verified tests (when the wrap reply is unusable).

def cases_from_tests(tests: str) -> list[TestCase]:
    """One case per top-level equality assert: the statements since the previous one, then ``ans = <value>``."""
    try:
        return _cases(parse(tests, "tests"))
    except RecursionError:
        raise CodeProblem("The tests are nested too deeply to read.") from None


def _cases(tree: ast.Module) -> list[TestCase]:
    shared, body = _split_test_module(tree)
    prefix = "".join(ast.unparse(s) + "\n" for s in shared)
    cases, current = [], []
    for stmt in body:
        if isinstance(stmt, ast.Assert) and isinstance(stmt.test, ast.Compare) and isinstance(stmt.test.ops[0], ast.Eq):
            left, right = stmt.test.left, stmt.test.comparators[0]
            value, expected = (right, left) if isinstance(left, ast.Constant) and not isinstance(right, ast.Constant) else (left, right)
            literal = str(expected.value) if isinstance(expected, ast.Constant) else None
            lines = [ast.unparse(s) for s in current] + [f"ans = {ast.unparse(value)}"]
            cases.append(TestCase(prefix + "\n".join(lines) + "\n", literal))
            current = []
        else:
            current.append(stmt)
    return cases


def _split_test_module(tree: ast.Module) -> tuple[list[ast.stmt], list[ast.stmt]]:
    """(imports and helpers every case needs, the test statements with called test functions inlined)."""
    defs = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    called = [n.value.func.id for n in tree.body if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)
              and isinstance(n.value.func, ast.Name) and n.value.func.id in defs and not n.value.args]
    shared, body = [], []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.ClassDef)) or (getattr(node, "name", None) in defs and node.name not in called):
            shared.append(node)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and getattr(node.value.func, "id", None) in called:
            body.extend(defs[node.value.func.id].body)
        elif getattr(node, "name", None) not in called:
            body.append(node)
    return shared, body
