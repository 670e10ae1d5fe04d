"""Reading a maker's wrap reply: the use cases a model writes, in every shape the reference's
transcripts use, and adversarial replies of a few MB read in time linear in their size."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from latm.llm.replies import MAX_REPLY_CHARS, oversized, wrapped_tool

HEAD = "Here is a function to solve a class of problems:\n```python\ndef f(x):\n    return x\n```\n\nUse cases:\n"
LAST = "Question: Last?\nSolution:\n```python\nans = f(9)\n```\n"
MB = 1 << 20


def test_use_cases_in_the_shapes_models_write():
    reply = (HEAD + "Question: What is 1?\nOptions:\n(A) 1\n(B) 2\nAnswer: (A)\n\nSolution:\n```python\nans1 = f(1)\n```\n\n"
             "Question: Two?\r\nSolution: ```py\r\nans = f(2)\r\n```\n"
             "question: lower case?\n  Solution:\n\n   ```Python3\nans = f(3)```\n"
             "Question: no solution here\n\n" + LAST)
    function, cases = wrapped_tool(reply)
    assert function == "def f(x):\n    return x"
    assert [(c.question, c.code.strip()) for c in cases] == [
        ("What is 1?\nOptions:\n(A) 1\n(B) 2", "ans1 = f(1)"), ("Two?", "ans = f(2)"),
        ("lower case?", "ans = f(3)"), ("Last?", "ans = f(9)")]


def test_a_question_without_a_solution_does_not_swallow_the_next_one():
    _, cases = wrapped_tool(HEAD + "Question: First, whose solution the model forgot.\n\n" + LAST)
    assert [c.question for c in cases] == ["Last?"]


def test_code_that_mentions_question_and_solution_is_kept_whole():
    code = 'q = """Question: inner\nSolution: none"""\nans = f(q)'
    _, cases = wrapped_tool(HEAD + f"Question: Outer?\nSolution:\n```python\n{code}\n```\n" + LAST)
    assert [(c.question, c.code) for c in cases] == [("Outer?", code), ("Last?", "ans = f(9)")]


# Each is a few MB; the old regular expressions needed time quadratic in some of them (a 120 KB
# reply froze the language server for ~30 s), so reading all of them would have taken hours.
def adversarial(size: int) -> dict[str, str]:
    return {
        "questions without solutions": HEAD + "Question: a\n" * (size // 12) + LAST,
        "long question": HEAD + "Question: " + "word " * (size // 5) + "\n" + LAST,
        "fence followed by spaces": "```" + " " * (size // 2) + "x\n" + HEAD + LAST,
        "solution followed by whitespace": HEAD + "Question: a\nSolution:" + " \n" * (size // 2) + "x\n" + LAST,
        "unclosed fences": HEAD + "Question: a\nSolution:\n```python\n" + "```\n" * (size // 16) + LAST,
        "backticks": HEAD + "`" * size + "\n" + LAST,
    }


ADVERSARIAL = adversarial(4 * MB)
READER = """
import json, sys, time
from latm.llm.replies import wrapped_tool
text = open(sys.argv[1], encoding="utf-8").read()
started = time.perf_counter()
function, cases = wrapped_tool(text)
print(json.dumps({"seconds": time.perf_counter() - started, "function": function, "last": [c.question for c in cases][-1:]}))
"""


@pytest.mark.parametrize("shape", sorted(ADVERSARIAL))
def test_adversarial_replies_of_a_few_mb_are_read(shape, tmp_path):
    """Run in a child process, so reading text that would take hours fails the test (by the
    watchdog, 120 s, hundreds of times what the reading takes) instead of hanging it: the regex
    engine holds the GIL, so no thread could stop it."""
    reply = tmp_path / "reply.txt"
    reply.write_text(ADVERSARIAL[shape], encoding="utf-8")
    env = {"PYTHONPATH": str(Path(__file__).resolve().parents[2] / "server"), "PATH": "/usr/bin:/bin"}
    try:
        done = subprocess.run([sys.executable, "-c", READER, str(reply)], capture_output=True, text=True,
                              timeout=120, env=env)
    except subprocess.TimeoutExpired:
        pytest.fail(f"reading a {len(ADVERSARIAL[shape]) / MB:.1f} MB reply ({shape}) did not end within 120 s")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    print(f"\n{shape}: {len(ADVERSARIAL[shape]) / MB:.1f} MB read in {result['seconds']:.3f} s")
    assert result["function"] == "def f(x):\n    return x"
    assert result["last"] == ["Last?"]


@pytest.mark.bench
def test_reading_time_grows_linearly():
    """Benchmark (printed, not asserted): reading each adversarial shape at 0.5 and 4 MB."""
    small, large = adversarial(MB // 2), ADVERSARIAL
    for shape in large:
        times = []
        for text in (small[shape], large[shape]):
            started = time.perf_counter()
            wrapped_tool(text)
            times.append(time.perf_counter() - started)
        print(f"\n{shape}: {len(small[shape]) / MB:.2f} MB {times[0]:.3f} s, {len(large[shape]) / MB:.2f} MB "
              f"{times[1]:.3f} s, ratio {times[1] / max(times[0], 1e-9):.1f} (linear: about 8)")


def test_replies_over_the_limit_are_refused_with_a_clear_message():
    assert oversized("x" * MAX_REPLY_CHARS) == ""
    message = oversized("x" * (MAX_REPLY_CHARS + 1))
    assert f"{MAX_REPLY_CHARS + 1:,} characters long" in message and f"at most {MAX_REPLY_CHARS:,}" in message


# In a make: the scripted maker over the real SDK, model code in the real Docker sandbox.

@pytest.fixture
def roomy(workspace):
    """A workspace whose maker may send replies longer than latm reads (a server that lets a reply
    run past ``MAX_REPLY_CHARS``, or ignores max_tokens): the size limit is then what stops it."""
    workspace.settings = dataclasses.replace(workspace.settings, maker_max_tokens=1 << 20)
    return workspace


def padded(reply: str) -> str:
    """A reply that rambles on after its code until it is over the size limit."""
    return reply + "\n\nTo explain in more detail:\n" + "The function sorts the words. " * (MAX_REPLY_CHARS // 30 + 1)


@pytest.mark.docker
def test_an_oversized_reply_is_a_failed_attempt_fed_back_to_the_maker(scripted_llm, roomy, workspace, llm):
    from families import WORD_SORTING, split

    from latm.make.new_tool import make_tool

    train, validation, _ = split("word_sorting")
    scripted_llm.push(padded(WORD_SORTING.proposal()), WORD_SORTING.proposal(), WORD_SORTING.tests(validation),
                      WORD_SORTING.wrap(validation), WORD_SORTING.parser_reply())
    result = make_tool(workspace, train + validation, "word_sorting")
    assert result.attempts["propose"] == 2
    second = scripted_llm.chat_requests()[1]
    assert f"{MAX_REPLY_CHARS:,}" in second.prompt and "shorter" in second.prompt
    cut = second.messages[-2]  # the oversized reply, as the conversation keeps it
    assert cut["role"] == "assistant" and len(cut["content"]) < 5_000 and "characters cut by latm" in cut["content"]


@pytest.mark.docker
def test_an_oversized_wrap_reply_is_refused_and_the_tests_give_the_use_cases(scripted_llm, roomy, workspace, llm):
    from families import WORD_SORTING, split

    from latm.make.new_tool import make_tool

    train, validation, _ = split("word_sorting")
    scripted_llm.push(WORD_SORTING.proposal(), WORD_SORTING.tests(validation), padded(WORD_SORTING.wrap(validation)),
                      WORD_SORTING.parser_reply())
    result = make_tool(workspace, train + validation, "word_sorting")
    assert [u.question for u in result.manifest.use_cases] == [e.question for e in validation]
    assert any("wrap reply was refused" in n and f"{MAX_REPLY_CHARS:,}" in n for n in result.notes), result.notes
    assert len(scripted_llm.chat_requests()[3].messages[-2]["content"]) < 5_000  # not sent back whole


@pytest.mark.docker
def test_cancel_while_a_huge_wrap_reply_arrives_ends_the_make_in_its_stage(scripted_llm, roomy, workspace, llm):
    """The make is cancelled while the maker is still sending a wrap reply just under the size
    limit that the old parser needed ~25 s to read: it ends at once, in the wrap stage, with
    nothing written and no later stage started."""
    from families import WORD_SORTING, split

    from latm.make import prompts
    from latm.make.new_tool import make_tool
    from latm.errors import Cancelled
    from latm.progress import CancelToken

    train, validation, _ = split("word_sorting")
    huge = HEAD + "Question: a\n" * ((MAX_REPLY_CHARS - len(HEAD) - len(LAST)) // 12) + LAST
    assert len(huge) <= MAX_REPLY_CHARS
    cancel, events, cancelled_at = CancelToken(), [], []

    def respond(messages, model):
        assert messages[-1]["content"] == prompts.WRAP
        cancel.cancel()
        cancelled_at.append(time.monotonic())
        return huge

    scripted_llm.push(WORD_SORTING.proposal(), WORD_SORTING.tests(validation))
    scripted_llm.respond = respond
    with pytest.raises(Cancelled, match="nothing was written"):
        make_tool(workspace, train + validation, "word_sorting", progress=events.append, cancel=cancel)
    print(f"\nthe make ended {time.monotonic() - cancelled_at[0]:.3f} s after the cancel")
    assert [e.stage for e in events][-1] == "wrap" and len(scripted_llm.chat_requests()) == 3
    assert not (workspace.toolbox_dir / "word_sorting").exists()
    (saved,) = (workspace.state_dir / "failed").glob("word_sorting-*.json")
    assert json.loads(saved.read_text())["stage"] == "wrap"
