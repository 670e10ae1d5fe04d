"""Verification proves the tool works: an answer counts only when it comes from calling the tool's
entry function (each check is re-run with that function returning a wrong value, and must then
fail), and nothing a test does to latm's record of its asserts can crash a make or fake a pass.
The scripted maker over the real SDK; every piece of model code in the real Docker sandbox."""

from __future__ import annotations

import json

import pytest

from families import WORD_SORTING, block, split
from latm.make import checks
from latm.make.new_tool import make_tool
from latm.llm.replies import python_code
from latm.errors import VerificationFailed
from latm.toolbox.manifest import Example

pytestmark = pytest.mark.docker

TRAIN, VALIDATION, _ = split("word_sorting")
EXAMPLES = TRAIN + VALIDATION
ENTRY = WORD_SORTING.entry


def hardcoded_tests(validation):
    """Tests that call the function, then write the answer in instead of converting its result."""
    body = "\n\n".join(f"# Question {i}\nwords = {e.question.split('List:')[1].split()!r}\nret = {ENTRY}(words)\n"
                       f"ans = {e.answer!r}\nassert ans == {e.answer!r}" for i, e in enumerate(validation, 1))
    return f"Here are the unit tests:\n\n{block(body)}"


def hardcoded_wrap(validation, function):
    cases = "\n\n".join(f"Question: {e.question}\nSolution:\n{block(f'ans = {e.answer!r}')}" for e in validation)
    return f"Here is a function to solve a class of problems:\n{block(function)}\n\nUse cases:\n\n{cases}\n"


# The case: an add() that returns 0, "verified" by tests that have the answers written in.

ADD = [Example(f"What is {a} plus {b}?", str(a + b)) for a, b in ((40, 2), (1, 1), (7, 5), (4, 5), (100, 23), (30, 12))]
BROKEN_ADD = "def add(a, b):\n    return 0"


def test_a_broken_tool_verified_only_by_written_in_answers_is_never_saved(scripted_llm, workspace, llm):
    validation = ADD[3:]
    tests = "\n\n".join(f"ret = add({q.split()[2]}, {q.split()[4][:-1]})\nans = {e.answer!r}\nassert ans == {e.answer!r}"
                        for e in validation for q in [e.question])
    scripted_llm.push(block(BROKEN_ADD), *[f"Here are the tests:\n{block(tests)}"] * 3)
    with pytest.raises(VerificationFailed, match="the verify stage failed after 3 attempt") as caught:
        make_tool(workspace, ADD, "adder")
    assert "does not depend on `add`" in str(caught.value) and "Nothing was written" in str(caught.value)
    assert not (workspace.toolbox_dir / "adder").exists()
    feedback = scripted_llm.chat_requests()[2].prompt
    assert "question 1 (answer '9')" in feedback and "line 3: `assert ans == '9'`" in feedback


def test_tests_with_written_in_answers_are_refused_precisely_and_fixed(scripted_llm, workspace, llm):
    scripted_llm.push(WORD_SORTING.proposal(), hardcoded_tests(VALIDATION), WORD_SORTING.tests(VALIDATION),
                      WORD_SORTING.wrap(VALIDATION), WORD_SORTING.parser_reply())
    result = make_tool(workspace, EXAMPLES, "word_sorting")
    assert result.attempts["verify"] == 2 and result.manifest.verification.ok
    feedback = scripted_llm.chat_requests()[2].prompt
    assert feedback.startswith("The tests failed:")
    for i, example in enumerate(VALIDATION, 1):
        assert f"question {i} (answer {example.answer!r})" in feedback
    assert f"does not depend on `{ENTRY}`" in feedback and f"when `{ENTRY}` returned a wrong value" in feedback
    assert "line 5: `assert ans == " in feedback and "instead of writing the answer in" in feedback


def test_one_written_in_answer_among_honest_ones_is_named(scripted_llm, workspace, llm):
    honest = "\n\n".join(f"{WORD_SORTING.call(e.question)}\nassert ans == {e.answer!r}" for e in VALIDATION[:2])
    cheat = python_code(hardcoded_tests(VALIDATION[2:]))
    scripted_llm.push(WORD_SORTING.proposal(), block(honest + "\n\n" + cheat), WORD_SORTING.tests(VALIDATION),
                      WORD_SORTING.wrap(VALIDATION), WORD_SORTING.parser_reply())
    make_tool(workspace, EXAMPLES, "word_sorting")
    feedback = scripted_llm.chat_requests()[2].prompt
    assert "question 3" in feedback and "question 1" not in feedback and "question 2" not in feedback


def test_use_cases_with_written_in_answers_are_not_kept(scripted_llm, workspace, llm):
    function = WORD_SORTING.function.split("# Example usage")[0]
    scripted_llm.push(WORD_SORTING.proposal(), WORD_SORTING.tests(VALIDATION), hardcoded_wrap(VALIDATION, function),
                      WORD_SORTING.parser_reply())
    result = make_tool(workspace, EXAMPLES, "word_sorting")
    assert [u.question for u in result.manifest.use_cases] == [e.question for e in VALIDATION]
    assert all(f"{ENTRY}(" in u.code for u in result.manifest.use_cases)
    assert any("built from the verified tests" in n and f"does not depend on `{ENTRY}`" in n for n in result.notes)


PARSERS_THAT_IGNORE_THE_FUNCTION = {
    "computes the answer itself": '''
def parse_question(question):
    return {"words": question.split("List:", 1)[1].split()}


def format_answer(result, question):
    return " ".join(sorted(question.split("List:", 1)[1].split()))
''',
    "looks the answer up": "ANSWERS = %r\n\n\ndef parse_question(question):\n    return {'words': []}\n\n\n"
                           "def format_answer(result, question):\n    return ANSWERS[question]\n"
                           % {e.question: e.answer for e in EXAMPLES},
}


@pytest.mark.parametrize("parser", sorted(PARSERS_THAT_IGNORE_THE_FUNCTION))
def test_a_question_parser_that_ignores_the_function_is_refused(scripted_llm, workspace, llm, parser):
    reply = f"These read the question:\n{block(PARSERS_THAT_IGNORE_THE_FUNCTION[parser])}"
    scripted_llm.push(WORD_SORTING.proposal(), WORD_SORTING.tests(VALIDATION), WORD_SORTING.wrap(VALIDATION), *[reply] * 3)
    result = make_tool(workspace, EXAMPLES, "word_sorting")
    assert result.manifest.parser is None and result.manifest.verification.ok
    assert "def format_answer" not in (result.path / "tool.py").read_text()
    feedback = scripted_llm.chat_requests()[4].prompt
    assert f"does not depend on `{ENTRY}`" in feedback and "format_answer" in feedback


def test_verify_does_not_count_committed_use_cases_with_written_in_answers(workspace):
    """A committed tool whose use cases write the answers in (as a pull request could) is not verified."""
    import dataclasses
    import shutil
    from pathlib import Path

    from latm.make.verify import verify_tool
    from latm.toolbox import manifest as mf

    folder = workspace.toolbox_dir / "word_sorting"
    shutil.copytree(Path(__file__).resolve().parents[2] / "toolbox" / "word_sorting", folder)
    manifest = mf.loads((folder / "tool.toml").read_text())
    answers = {e.question: e.answer for e in manifest.examples}
    written_in = tuple(dataclasses.replace(u, code=f"ret = sort_words(['a'])\nans = {answers[u.question]!r}\n")
                       for u in manifest.use_cases)
    (folder / "tool.toml").write_text(mf.dumps(dataclasses.replace(manifest, use_cases=written_in)))
    result = verify_tool(workspace, "word_sorting")
    assert not result.ok and (result.passed, result.total) == (6, 9)
    assert [f.startswith("use case:") and "does not depend on `sort_words`" in f for f in result.failures] == [True] * 3



def test_a_committed_verification_is_a_claim_until_latm_verify_checks_it(workspace):
    """tool.toml records the verification and tool.py's hash, and a pull request can write both:
    ``latm solve`` trusts that record; ``latm verify`` re-runs the checks and records the truth."""
    import dataclasses

    from latm.solve.batch import solve
    from latm.make.verify import verify_tool
    from latm.toolbox import manifest as mf
    from latm.toolbox.store import ToolFiles, write_tool

    code = BROKEN_ADD + ("\n\n\ndef parse_question(question):\n    words = question.split()\n"
                         "    return {'a': int(words[2]), 'b': int(words[4][:-1])}\n\n\n"
                         "def format_answer(result, question):\n    return str(result)\n")
    examples = tuple(dataclasses.replace(e, split="train" if i < 3 else "validation") for i, e in enumerate(ADD))
    use_cases = tuple(mf.UseCase(e.question, "ans = str(add(*[int(w.strip('?')) for w in %r.split()[2:5:2]]))\n"
                                 % e.question) for e in examples if e.split == "validation")
    claimed = mf.Manifest(name="adder", summary="Add two numbers.", entry="add", signature="add(a, b)",
                          provenance=mf.Provenance("hand-written"), verification=mf.Verification(9, 9, "", "docker"),
                          examples=examples, use_cases=use_cases, parser=mf.ParserEntry(verified_on=6))
    write_tool(workspace.toolbox_dir, ToolFiles(claimed, code))  # the record of tool.py's hash is right
    workspace.registry.reload({"adder"})
    assert solve(workspace, "What is 100 plus 23?", "adder").answer == "0"  # answered, wrongly, on the claim
    result = verify_tool(workspace, "adder")
    assert not result.ok and result.passed == 0
    with pytest.raises(VerificationFailed):
        solve(workspace, "What is 100 plus 23?", "adder")

# Item 9: latm's record of the asserts, forged by the tests.

FORGED = {
    "appends to the record": "_latm_record.append([1, 2, True])",
    "replaces the record and its reader": 'g = globals()\nforged = [[1, 2, True]]\ng["_la" + "tm_record"] = forged\n'
                                          'g["_la" + "tm_rows"] = lambda: forged',
}
TOLD = {
    "appends to the record": "The tests use `_latm_record`, a name latm keeps for its own checks",
    "replaces the record and its reader": "latm could not read its record of the tests' asserts",
}


@pytest.mark.parametrize("forgery", sorted(FORGED))
def test_a_forged_record_is_a_clear_error_for_the_maker(scripted_llm, workspace, llm, forgery):
    tests = WORD_SORTING.tests(VALIDATION).replace("\n```\n\nAll three", f"\n{FORGED[forgery]}\n```\n\nAll three")
    assert FORGED[forgery] in tests
    scripted_llm.push(WORD_SORTING.proposal(), tests, WORD_SORTING.tests(VALIDATION), WORD_SORTING.wrap(VALIDATION),
                      WORD_SORTING.parser_reply())
    result = make_tool(workspace, EXAMPLES, "word_sorting")
    assert result.attempts["verify"] == 2 and result.manifest.verification.ok
    assert TOLD[forgery] in scripted_llm.chat_requests()[2].prompt


def test_a_forged_record_that_is_never_fixed_fails_the_make_cleanly(scripted_llm, workspace, llm):
    tests = WORD_SORTING.tests(VALIDATION).replace("\n```\n\nAll three", "\n_latm_record.append([1, 2, True])\n```\n\n")
    scripted_llm.push(WORD_SORTING.proposal(), *[tests] * 3)
    with pytest.raises(VerificationFailed, match="the verify stage failed after 3 attempt.*_latm_record"):
        make_tool(workspace, EXAMPLES, "word_sorting")
    assert not (workspace.toolbox_dir / "word_sorting").exists()
    (saved,) = (workspace.state_dir / "failed").glob("word_sorting-*.json")
    assert json.loads(saved.read_text())["stage"] == "verify"


# The checks on their own, in the real sandbox: honest code of every common shape depends on
# the function; the same code with the answer written in does not.

RESULTS = {  # the entry's return value, honest use-case code, the answer it gives
    "int": ("return 42", "ans = str(ret)", "42"),
    "int compared": ("return 3", "ans = 'Yes' if ret > 0 else 'No'", "Yes"),
    "int capped": ("return 12", "ans = str(min(ret, 10))", "10"),
    "middle option's index": ("return 2", "ans = '(' + 'ABCDE'[ret] + ')'", "(C)"),
    "int parsed from text": ("return '9'", "ans = str(int(ret) * 2)", "18"),
    "bool": ("return True", "ans = 'True' if ret else 'False'", "True"),
    "float": ("return 2.5", "ans = f'{ret:.1f}'", "2.5"),
    "float -0.5": ("return -0.5", "ans = str(ret)", "-0.5"),
    "words joined": ("return ['a', 'b']", "ans = ' '.join(ret)", "a b"),
    "brackets joined": ("return [')', ']']", "ans = ' '.join(ret)", ") ]"),
    "option letter": ("return '(B)'", "ans = ret", "(B)"),
    "letter inside": ("return '(B)'", "ans = f'({ret[1]})'", "(B)"),
    "tuple of hours": ("return (9, 12)", "ans = f'{ret[0]} to {ret[1]}'", "9 to 12"),
    "dict": ("return {'x': 1}", "ans = str(ret['x'])", "1"),
    "empty list": ("return []", "ans = str(len(ret))", "0"),
    "none": ("return None", "ans = 'none' if ret is None else 'some'", "none"),
    "fraction": ("from fractions import Fraction\n    return Fraction(1, 3)", "ans = str(ret.numerator)", "1"),
    "recursive": ("return 1 if n < 2 else n * solve(n - 1)", "ans = str(ret)", "120"),
}


def results_case(kind, written_in=False):
    body, convert, answer = RESULTS[kind]
    code = f"def solve(n=5):\n    {body}\n"
    snippet = f"ret = solve()\n{convert}\n" + (f"ans = {answer!r}\n" if written_in else "")
    return code, Example(f"q {kind}", answer), snippet


@pytest.mark.parametrize("written_in", [False, True], ids=["honest", "written-in"])
def test_answers_count_only_when_they_depend_on_the_function(docker_sandbox, written_in):
    from latm.source import answer_snippet

    for kind in RESULTS:
        code, example, snippet = results_case(kind, written_in)
        (outcome,) = checks.answers(docker_sandbox, code, "solve", [(example, answer_snippet(snippet))])
        assert outcome.passed is not written_in, (kind, outcome.detail)
        if written_in:
            assert "does not depend on `solve`" in outcome.detail


def test_tests_that_call_the_function_in_every_common_shape_are_accepted(docker_sandbox):
    code = "def solve(words):\n    return sorted(words)\n"
    validation = [Example("q1", "a b"), Example("q2", "c d"), Example("q3", "e f")]
    tests = '''
def test_one():
    ret = solve(["b", "a"])
    assert " ".join(ret) == "a b"

test_one()
for words, answer in [(["d", "c"], "c d")]:
    assert " ".join(solve(words)) == answer, f"wrong for {words}"
assert solve(["f", "e"]) == ["e", "f"]
assert "e f" == " ".join(solve(["f", "e"]))
assert len(solve(["x"])) == 1
'''
    assert checks.tests_assert_every_answer(docker_sandbox, code, tests, validation, "solve") is None
