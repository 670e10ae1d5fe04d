"""Which block of a tool user's reply answers the question: replies as models write them."""

from __future__ import annotations

import pytest

from families import block
from latm.llm.replies import answer_code

ASKED = "Sort the following words alphabetically: List: pear apple"
OWN = "words = ['pear', 'apple']\nans = ' '.join(sorted(words))"
OTHER = "words = ['zeta', 'alpha']\nans = ' '.join(sorted(words))"


@pytest.mark.parametrize("heading", [
    "Question: Sort the following words alphabetically: List: zeta alpha",
    "**Question:** Sort the following words alphabetically: List: zeta alpha",
    "### Question 2: Sort the following words alphabetically: List: zeta alpha",
    "Q: Sort the following words alphabetically: List: zeta alpha",
])
def test_blocks_under_another_question_are_not_this_answer(heading):
    reply = f"{block(OWN)}\n\n{heading}\nSolution:\n{block(OTHER)}"
    assert answer_code(reply, ASKED) == OWN
    assert answer_code(f"{heading}\nSolution:\n{block(OTHER)}", ASKED) == ""


def test_an_echo_of_this_question_heads_its_own_answer():
    reply = f"Question: {ASKED}\nSolution:\n{block(OWN)}\n\nQuestion: Sort: List: b a\n{block(OTHER)}"
    assert answer_code(reply, ASKED) == OWN


def test_a_question_inside_code_is_no_heading():
    code = 'text = """\nQuestion: Sort: List: b a\n"""\nans = text'
    assert answer_code(block(code), ASKED) == code


def test_a_copied_solution_of_another_question_is_skipped():
    assert answer_code(f"{block(OTHER)}\n{block(OWN)}", ASKED, others=[OTHER]) == OWN
    assert answer_code(block(OTHER.replace(" = ", "  =  ")), ASKED, others=[OTHER]) == ""  # spacing aside


def test_the_first_block_that_sets_ans_is_the_answer():
    setup = "import re"
    assert answer_code(f"{block(setup)}\n{block(OWN)}\n{block(OTHER)}", ASKED) == OWN
    assert answer_code(block(setup), ASKED) == setup
    assert answer_code("I think it is apple pear.", ASKED) == ""


@pytest.mark.parametrize("reply", [
    "```\nx = 1\n```\nQuestion: another one?\n" * 50_000,  # many blocks, many question lines between them
    "Q" + " " * 400_000 + "\n```python\nans = 1\n```\n",  # a long run of spaces after a question's start
], ids=["blocks-and-questions", "space-run"])
def test_a_reply_is_read_in_time_linear_in_its_size(reply):
    """Quadratic readers took minutes on these (a few MB); a child process with a generous watchdog
    tells "finishes" from "hangs" without timing the reader itself."""
    import subprocess
    import sys

    code = "import sys; from latm.llm.replies import answer_code; answer_code(sys.stdin.read(), 'Q')"
    done = subprocess.run([sys.executable, "-c", code], input=reply, text=True, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
