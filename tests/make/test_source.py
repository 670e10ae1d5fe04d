"""Reading model code on the host: blocks, tidying, entry, merging fixes, instrumented asserts,
use cases cut from tests. (Nothing here runs model code; the sandbox tests do that.)"""

from __future__ import annotations

import ast

import pytest

from latm.make.asserts import instrumented
from latm.llm.replies import python_blocks, python_code, wrapped_tool
from latm.source import (
    CodeProblem, parse, answer_variable, cases_from_tests, clean_tool, merge_definitions, pick_entry,
    signature, summary, with_ans, without_functions,
)

PROPOSAL = '''import re

PAIRS = {"(": ")"}


def helper(x):
    return PAIRS.get(x, x)


def solve(text: str, n: int = 2) -> list[str]:
    """Close the brackets."""
    return [helper(c) for c in text]


# Example usage:
words = ["a", "b"]
result = solve("(")
print(result)
solve("((")
if __name__ == "__main__":
    print(solve("x"))
'''


def test_python_blocks_prefers_tagged_blocks_and_joins_them():
    reply = "Sure!\n```\nplain\n```\nthen\n```python\na = 1\n```\nand\n```Python\nb = 2```\n"
    assert python_blocks(reply) == ["a = 1\n", "b = 2"]
    assert python_code(reply) == "a = 1\n\nb = 2"
    assert python_code("I'm sorry, but I can't help with that.") == ""
    assert python_blocks("```\nx = 1\n```") == ["x = 1\n"]


def test_wrapped_tool_reads_function_and_use_cases():
    reply = ('Here is a function to solve a class of problems:\n```python\ndef f(x):\n    return x\n```\n\n'
             'Use cases:\n\nQuestion: What is 1?\nOptions:\n(A) 1\nAnswer: (A)\n\nSolution:\n```python\nans1 = f(1)\n```\n\n'
             'Question: Two?\nSolution:\n```python\nans = f(2)\n```\n')
    function, cases = wrapped_tool(reply)
    assert function == "def f(x):\n    return x"
    assert [(c.question, c.code) for c in cases] == [("What is 1?\nOptions:\n(A) 1", "ans1 = f(1)"), ("Two?", "ans = f(2)")]
    assert wrapped_tool("no code at all") == ("", [])


def test_clean_tool_drops_example_usage_with_what_it_reads():
    code = ("def f(a, n):\n    return a[:n]\n\n# Example usage:\nitems = [1, 2, 3]\nn = 2\nresult = f(items, n)\n"
            "if result:\n    print(f'got {result}')\nelse:\n    print('nothing')\n")
    assert clean_tool(code) == "def f(a, n):\n    return a[:n]\n"


def test_clean_tool_drops_example_usage_only():
    cleaned = clean_tool(PROPOSAL)
    assert 'print(' not in cleaned and "result =" not in cleaned and '__main__' not in cleaned
    assert 'solve("((")' not in cleaned
    assert "PAIRS =" in cleaned and "import re" in cleaned
    assert "words =" not in cleaned and "Example usage" not in cleaned
    assert cleaned.endswith("return [helper(c) for c in text]\n")
    ast.parse(cleaned)


@pytest.mark.parametrize("code", [
    "import sys\nsys.setrecursionlimit(10000)\n\n\ndef f():\n    return 1\n",
    "import collections\n\n\ndef f():\n    return 1\n\n\nTABLE = collections.OrderedList()\n",
    "def f():\n    return 1\n\n\nseen = {1: 2}\nif seen:\n    raise RuntimeError(seen)\n",
    "def f():\n    return 1\n\n\nx = [1]\ny = f()\nif x:\n    print(y)\nelse:\n    SETTINGS = y\n",
    "def f():\n    return LIMIT\n\n\nLIMIT = 5\n",
])
def test_clean_tool_keeps_code_with_effects(code):
    assert clean_tool(code) == code


def test_entry_signature_summary():
    code = clean_tool(PROPOSAL)
    assert pick_entry(code) == "solve"
    assert pick_entry(code, tests="assert helper('(') == ')'") == "helper"
    assert signature(code, "solve") == "solve(text: str, n: int=2) -> list[str]"
    assert summary(code, "solve", "fallback") == "Close the brackets."
    assert summary(code, "helper", "fallback") == "fallback"


def test_merge_definitions_replaces_fixed_functions_and_adds_imports():
    tool = "def f(x):\n    return x\n\n\ndef g():\n    return f(1)\n"
    reply = "from math import gcd\n\ndef f(x):\n    return gcd(x, 6)\n\nassert f(4) == 2\n"
    merged, rest = merge_definitions(tool, reply)
    assert merged.startswith("from math import gcd\n")
    assert "return gcd(x, 6)" in merged and "def g():" in merged and "return x\n" not in merged
    assert "def f" not in rest and "assert f(4) == 2" in rest
    assert merge_definitions(tool, "assert f(1) == 1\n") == (tool, "assert f(1) == 1\n")


def test_without_functions():
    assert without_functions("def f():\n    pass\n\ndef parse_question(q):\n    return {}\n", {"f"}).startswith("def parse_question")


def test_answer_variable():
    assert answer_variable("ret = f()\nans = ret\n") == "ans"
    assert answer_variable("ret1 = f()\nans1 = str(ret1)\n") == "ans1"
    assert answer_variable("x = 1") is None
    assert with_ans("ans2 = 5") == "ans2 = 5\nans = ans2\n"
    with pytest.raises(CodeProblem, match="does not set the variable `ans`"):
        with_ans("print(1)")


def test_instrumented_asserts_become_recording_calls():
    snippet = instrumented("def t():\n    assert f(1) == 'a', 'msg'\n    assert ok\nt()\n")
    assert "_latm_eq(2, f(1), 'a', 'msg')" in snippet and "_latm_true(3, ok)" in snippet and "assert " not in snippet
    with pytest.raises(CodeProblem, match="SyntaxError in the tests"):
        instrumented("assert (")


def test_cases_from_tests_in_a_test_function():
    tests = '''import re

def helper(q):
    return q.split()

def test_all():
    # first
    w1 = helper("b a")
    ret1 = sorted(w1)
    ans1 = " ".join(ret1)
    assert ans1 == "a b"
    w2 = helper("d c")
    assert "c d" == " ".join(sorted(w2))

test_all()
'''
    first, second = cases_from_tests(tests)
    assert first.expected == "a b" and second.expected == "c d"
    assert first.code.startswith("import re\ndef helper(q):")
    assert first.code.rstrip().endswith("ans = ans1")
    assert second.code.rstrip().endswith("ans = ' '.join(sorted(w2))") and "w1" not in second.code


@pytest.mark.parametrize("code", ["x = 1" + " + 1" * 200000, "x = " + "-" * 100000 + "1", "x = " + "not " * 900 + "1"],
                         ids=["long-sum", "deep-unary", "deep-not"])
@pytest.mark.parametrize("read", [parse, clean_tool, instrumented, cases_from_tests])
def test_code_too_deep_to_read_is_a_code_problem_not_a_crash(code, read):
    try:
        read(code)
    except CodeProblem as err:
        assert "cannot be read" in str(err) or "nested too deeply" in str(err)
