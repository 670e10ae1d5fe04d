"""Correcting an answer and repairing the tool: the scripted maker over the real SDK, every run of
tool code in the real Docker sandbox, every check the one verification uses."""

from __future__ import annotations

import dataclasses
import json

import pytest

from model_support import run_tool_tests, tree_bytes
from living_support import (
    BRUTE_FORCE, FIRST_LETTER_PATCH, REPEATED, RIGHT_PATCH, assert_words, crt_question, fast_crt_patch, made,
    made_dedup, small_crt_examples,
)
from families import WORD_SORTING, block
from latm.make.feedback import add_examples
from latm.make.repair import RepairFailed, remake_tool, repair_tool
from latm.solve.solver import Solver

pytestmark = pytest.mark.docker


def regressed_dedup(scripted_llm, workspace, llm):
    made_dedup(scripted_llm, workspace, llm)
    corrected = add_examples(workspace, "word_sorting", [REPEATED])
    assert corrected.state == "regressed" and corrected.added == 1
    (failure,) = corrected.failing_given()
    assert (failure.expected, failure.got) == ("alpha bravo echo echo", "alpha bravo echo")
    return len(scripted_llm.chat_requests())


def test_a_correction_regresses_the_tool_and_its_own_tests_say_so(scripted_llm, workspace, llm):
    regressed_dedup(scripted_llm, workspace, llm)
    tool = workspace.registry.get("word_sorting")
    assert tool.regressed and tool.usable and tool.manifest.version == 1
    assert [e.split for e in tool.manifest.examples][-1] == "reported"
    problems = [p for p in tool.warnings if p.code == "latm.regressed"]
    assert len(problems) == 1 and "expected 'alpha bravo echo echo', got 'alpha bravo echo'" in problems[0].message
    toml = (tool.path / "tool.toml").read_text().splitlines()
    assert toml[problems[0].line - 1] == "[[examples]]" and REPEATED.question in toml[problems[0].line]
    assert "id='reported-1'" in (tool.path / "test_tool.py").read_text()
    assert run_tool_tests(tool.path).returncode == 1  # the generated tests fail on the reported example
    answer = Solver(workspace.settings, workspace.sandbox(), llm).solve(tool, "Sort the following words "
                                                                        "alphabetically: List: pear apple")
    assert answer.answer == "apple pear" and "regressed" in answer.warning and "latm repair word_sorting" in answer.warning


def test_repair_right_the_first_time(scripted_llm, workspace, llm):
    before = regressed_dedup(scripted_llm, workspace, llm)
    scripted_llm.push(RIGHT_PATCH)
    result = repair_tool(workspace, "word_sorting")

    assert (result.reason, result.version, result.attempts) == ("repaired", 2, 1)
    assert result.passed == result.total == 3 + 7
    assert len(scripted_llm.chat_requests()) == before + 1  # one maker call
    prompt = scripted_llm.chat_requests()[-1].prompt
    assert_words(prompt, "return sorted(set(words))", REPEATED.question, "Expected answer: alpha bravo echo echo",
                 "It gave 'alpha bravo echo'",
                 "format_answer(sort_words_alphabetically(**parse_question(question)), question)")
    tool = workspace.registry.get("word_sorting")
    assert tool.verified and "set(" not in tool.code
    assert [(h.version, h.reason, h.examples_added) for h in tool.manifest.history] == [(1, "made", 6), (2, "repaired", 1)]
    assert tool.manifest.history[1].maker_model == workspace.settings.maker_model
    assert run_tool_tests(tool.path).returncode == 0
    kept = workspace.state_dir / "history" / "word_sorting"
    assert sorted(p.name for p in kept.iterdir()) == ["1", "2"]
    assert "set(words)" in (kept / "1" / "tool.py").read_text()
    ledger = [json.loads(line) for line in (workspace.state_dir / "ledger.jsonl").read_text().splitlines()]
    assert (ledger[-1]["role"], ledger[-1]["tool"], ledger[-1]["outcome"]) == ("maker", "word_sorting", "ok")
    assert ledger[-1]["tokens_in"] == result.tokens_in > 0


def test_a_repair_that_breaks_an_old_example_is_refused(scripted_llm, workspace, llm):
    regressed_dedup(scripted_llm, workspace, llm)
    folder = workspace.toolbox_dir / "word_sorting"
    untouched = tree_bytes(folder)
    scripted_llm.push(FIRST_LETTER_PATCH, FIRST_LETTER_PATCH, FIRST_LETTER_PATCH)
    with pytest.raises(RepairFailed) as failed:
        repair_tool(workspace, "word_sorting")

    said = str(failed.value)
    assert_words(said, "Could not repair 'word_sorting'", "after 3 attempt(s)", "Nothing changed",
                 "`latm repair word_sorting --remake`", "7 stored examples")
    assert tree_bytes(folder) == untouched and workspace.registry.get("word_sorting").regressed
    feedback = scripted_llm.chat_requests()[-1].prompt  # what the third try was told
    assert_words(feedback, "does not pass every stored example", "(this one passed before your change)")
    record = json.loads(open(failed.value.conversation).read())
    assert record["stage"] == "repair" and len(record["messages"]) == 6  # prompt, then reply + feedback, reply...


def test_junk_replies_are_sent_back_until_a_patch_passes(scripted_llm, workspace, llm):
    regressed_dedup(scripted_llm, workspace, llm)
    renamed = "Here is a cleaner version:\n\n" + block("def sort_words(words):\n    return sorted(words)")
    scripted_llm.push("The bug is the call to set(); replace it with sorted(words) and it will keep duplicates.",
                      renamed, RIGHT_PATCH)
    result = repair_tool(workspace, "word_sorting")
    assert result.attempts == 3 and workspace.registry.get("word_sorting").verified
    second, third = (r.prompt for r in scripted_llm.chat_requests()[-2:])
    assert "has no ```python code block" in second
    assert "changes none of the tool's functions" in third and "sort_words_alphabetically" in third


def test_a_tool_too_slow_for_the_limit_is_repaired_from_the_time_out(scripted_llm, workspace, llm):
    workspace.settings = dataclasses.replace(workspace.settings, timeout_s=2.0)
    train, validation = small_crt_examples()
    made(scripted_llm, workspace, llm, BRUTE_FORCE, train, validation, "remainders")
    large = crt_question([(997, 500), (991, 400), (983, 300)], 999_999_999)
    corrected = add_examples(workspace, "remainders", [large])
    assert corrected.state == "regressed"
    assert [f.error for f in corrected.failing_given()] == ["timed out after 2 s"]

    scripted_llm.push(fast_crt_patch())
    result = repair_tool(workspace, "remainders")
    assert_words(scripted_llm.chat_requests()[-1].prompt, large.question, f"Expected answer: {large.answer}",
                 "timed out after 2 s", "make it faster")
    assert result.version == 2 and workspace.registry.get("remainders").verified


def test_after_failed_repairs_a_remake_from_all_stored_examples(scripted_llm, workspace, llm):
    regressed_dedup(scripted_llm, workspace, llm)
    examples = list(workspace.registry.get("word_sorting").manifest.examples)
    train = [e for e in examples if e.split == "train"]
    scripted_llm.push(WORD_SORTING.proposal(), WORD_SORTING.tests(examples), WORD_SORTING.wrap(examples),
                      WORD_SORTING.parser_reply())
    result = remake_tool(workspace, "word_sorting")
    assert (result.reason, result.version, result.attempts) == ("remade", 2, 4)
    tool = workspace.registry.get("word_sorting")
    assert tool.verified and len(tool.manifest.examples) == 7 and tool.manifest.examples[-1].split == "reported"
    assert all(e.question in scripted_llm.chat_requests()[-4].prompt for e in train)
    assert all(e.question in scripted_llm.chat_requests()[-3].prompt for e in examples)
