"""Ordinary use and bad input, on both backends (the process backend also as run by a user who is
not root): typed results, never a host exception."""

from __future__ import annotations

import pytest
from sandbox_support import user_process_sandbox  # noqa: F401 - a fixture

from latm.sandbox.types import Call

BACKENDS = ["docker_sandbox", "process_sandbox", "user_process_sandbox"]


@pytest.fixture(params=BACKENDS, ids=["docker", "process", "process-user"])
def sandbox(request):
    return request.getfixturevalue(request.param)


TOOL = '''
import re

def count_words(text, word):
    """How often ``word`` occurs in ``text``."""
    return len(re.findall(r"\\b%s\\b" % re.escape(word), text))

def pair(a, b):
    return (a, b)
'''


def test_entry_with_keyword_and_positional_arguments(sandbox):
    results = sandbox.run(TOOL, [Call(entry="count_words", args={"text": "a b a", "word": "a"}),
                                 Call(entry="pair", args=[1, "x"]), Call(entry="pair", args=(2, None))])
    assert [r.outcome for r in results] == ["ok", "ok", "ok"]
    assert [r.value for r in results] == [2, [1, "x"], [2, None]]  # tuples come back as lists
    assert all(r.duration_ms > 0 for r in results)


def test_snippet_sets_ans_and_output_is_captured(sandbox):
    result = sandbox.run(TOOL, [Call(snippet="print('hello')\nimport sys\nsys.stderr.write('warn')\n"
                                             "ans = count_words('x y x', 'x')")])[0]
    assert (result.outcome, result.value, result.stdout, result.stderr) == ("ok", 2, "hello\n", "warn")


def test_snippet_that_only_asserts(sandbox):
    passing, failing = sandbox.run(TOOL, [Call(snippet="assert pair(1, 2) == (1, 2)", result_var=None),
                                          Call(snippet="assert pair(1, 2) == (2, 1), 'wrong order'",
                                               result_var=None)])
    assert passing.outcome == "ok" and passing.value is None
    assert (failing.outcome, failing.error_type, failing.message) == ("error", "AssertionError", "wrong order")
    assert failing.traceback[:2] == ['  File "<call>", line 1, in <module>',
                                     "    assert pair(1, 2) == (2, 1), 'wrong order'"]


def test_traceback_shows_only_the_tools_own_lines(sandbox):
    code = "import json\n\ndef parse(text):\n    return json.loads(text)\n"
    result = sandbox.run(code, [Call(entry="parse", args=["{bad"])])[0]
    assert (result.outcome, result.error_type) == ("error", "JSONDecodeError")
    assert result.traceback[:2] == ['  File "<tool>", line 4, in parse', "    return json.loads(text)"]
    assert not any("worker" in line or "json/" in line for line in result.traceback), result.traceback


def test_calls_do_not_share_state(sandbox):
    code = "seen = []\n\ndef remember(x):\n    seen.append(x)\n    return list(seen)\n"
    results = sandbox.run(code, [Call(entry="remember", args=[1]), Call(entry="remember", args=[2])])
    assert [r.value for r in results] == [[1], [2]]


def test_the_tool_runs_as_a_module_not_as_main(sandbox):
    code = "if __name__ == '__main__':\n    raise SystemExit('ran the demo')\n\ndef f():\n    return __name__\n"
    assert sandbox.run(code, [Call(entry="f")])[0].value == "__tool__"


# ------------------------------------------------------------------------------ bad input
def test_code_that_is_not_utf8(sandbox):
    results = sandbox.run(b"def f():\n    return '\xff'\n", [Call(entry="f"), Call(entry="f")])
    assert [(r.outcome, r.error_type) for r in results] == [("error", "UnicodeDecodeError")] * 2
    assert "0xff" in results[0].message
    assert results[0] is not results[1]


def test_code_with_a_lone_surrogate(sandbox):
    result = sandbox.run("x = '\udcff'\ndef f():\n    return x\n", [Call(entry="f")])[0]
    assert (result.outcome, result.error_type) == ("error", "UnicodeDecodeError")


def test_code_that_does_not_parse(sandbox):
    result = sandbox.run("def f(:\n    return 1\n", [Call(entry="f")])[0]
    assert (result.outcome, result.error_type) == ("error", "SyntaxError")
    assert result.traceback[0] == '  File "<tool>", line 1'
    assert "def f(:" in result.traceback[1]


def test_snippet_that_does_not_parse(sandbox):
    result = sandbox.run(TOOL, [Call(snippet="ans = (")])[0]
    assert (result.outcome, result.error_type) == ("error", "SyntaxError")
    assert result.traceback[0] == '  File "<call>", line 1'


def test_missing_entry_function(sandbox):
    results = sandbox.run("VALUE = 3\n", [Call(entry="solve"), Call(entry="VALUE")])
    assert [(r.outcome, r.error_type) for r in results] == [("error", "MissingEntry")] * 2
    assert "'solve'" in results[0].message


def test_snippet_that_does_not_set_the_result_variable(sandbox):
    result = sandbox.run(TOOL, [Call(snippet="x = 1")])[0]
    assert (result.outcome, result.error_type) == ("error", "NameError")
    assert "'ans'" in result.message


@pytest.mark.parametrize("args, error_type", [
    ({"when": object()}, "UnserializableArguments"),
    ([{1, 2}], "UnserializableArguments"),
    ("a string", "BadArguments"),
    (42, "BadArguments"),
])
def test_arguments_that_cannot_travel(sandbox, args, error_type):
    result = sandbox.run(TOOL, [Call(entry="pair", args=args)])[0]
    assert (result.outcome, result.error_type) == ("error", error_type)


@pytest.mark.parametrize("call", [Call(), Call(entry="f", snippet="ans = 1"), "not a call"])
def test_malformed_calls(sandbox, call):
    result = sandbox.run("def f():\n    return 1\n", [call])[0]
    assert (result.outcome, result.error_type) == ("error", "BadCall")


def test_an_empty_job_runs_nothing(sandbox):
    assert sandbox.run("raise SystemExit", []) == []


def test_a_bad_call_does_not_stop_the_good_ones(sandbox):
    results = sandbox.run(TOOL, [Call(entry="pair", args=[object()]), Call(entry="pair", args=[1, 2])])
    assert [r.outcome for r in results] == ["error", "ok"]


def test_timeout_override_and_exit_calls(sandbox):
    code = "import sys, time\n\ndef nap(s):\n    time.sleep(s)\n    return s\n\ndef leave():\n    sys.exit(3)\n"
    fast, slow, leave = sandbox.run(code, [Call(entry="nap", args=[0.01]), Call(entry="nap", args=[5]),
                                           Call(entry="leave")], timeout_s=0.5)
    assert (fast.outcome, slow.outcome) == ("ok", "timeout")
    assert 450 <= slow.duration_ms < 3000
    assert (leave.outcome, leave.error_type, leave.message) == ("error", "SystemExit", "the tool called exit(3)")


def test_describe_reads_well(sandbox):
    result = sandbox.run("def f():\n    return 1 / 0\n", [Call(entry="f")])[0]
    assert result.describe().startswith("error: ZeroDivisionError: division by zero\n  File \"<tool>\", line 2")


def test_a_process_worker_that_fails_to_start_is_started_again(tmp_path):
    """A worker that exits at start (here its command exits the first time it runs) is started
    once more before its calls are given up (issue 16, item 7, for the process backend)."""
    from sandbox_support import settings

    from latm.sandbox.process_backend import ProcessSandbox

    marker = tmp_path / "started-once"
    first_time_fails = f'if [ -e {marker} ]; then exec "$@"; fi; touch {marker}; exit 3'

    class FirstStartFails(ProcessSandbox):
        def _command(self, scratch: str) -> list:
            return ["sh", "-c", first_time_fails, "sh", *super()._command(scratch)]

    result = FirstStartFails(settings(sandbox="process")).run("def f():\n    return 7\n", [Call(entry="f")])[0]
    assert marker.exists() and result.value == 7, result.describe()
