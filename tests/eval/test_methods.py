"""Every method, end to end: the real CLI, the real SDK against the scripted model (right, wrong
and junk replies), model code in the real Docker sandbox, one answer comparison for all."""

from __future__ import annotations

import json

import pytest

from eval_support import (
    asked, bbh, by_method, latm, latm_env, method_of, plan_for, project_with_tools, responder, results,
    word_sorting_reply, write_jsonl,
)
from families import TEMPORAL_SEQUENCES, temporal_call
from latm.settings import Settings
from scripted_llm import count_tokens

pytestmark = pytest.mark.docker

QUESTIONS = bbh("word_sorting")[10:22]
OFFSETS = {"tool-user": 0, "user-direct": 1, "user-cot": 2, "maker-cot": 3, "program": 1}
JUNK_KIND = {"tool-user": "no_code", "program": "sandbox_error", "user-direct": "no_answer", "user-cot": "no_answer",
             "maker-cot": "no_answer"}


def usage(requests, reply_of):
    """(tokens in, tokens out) the scripted server billed for ``requests``, replies rebuilt by ``reply_of``."""
    tokens_in = sum(count_tokens(str(m["content"])) + 4 for r in requests for m in r.messages)
    tokens_out = sum(count_tokens(reply_of(r)) for r in requests)
    return tokens_in, tokens_out


def test_every_method_scores_what_the_model_answered(scripted_llm, project, tmp_path):
    data = write_jsonl(tmp_path / "word_sorting.jsonl", QUESTIONS)
    plan = plan_for([q["question"] for q in QUESTIONS], OFFSETS)
    scripted_llm.respond = responder(plan)
    out = tmp_path / "out"

    run = latm(project, "eval", str(data), "--tool", "word_sorting", "--out", str(out), "--json", "--concurrency", "3",
               env=latm_env(scripted_llm.url))

    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    methods = by_method(summary)
    assert list(methods) == ["tool-parser", "tool-user", "user-direct", "user-cot", "maker-cot", "program"]
    parser = methods["tool-parser"]
    assert (parser["correct"], parser["total"], parser["tokens_in"], parser["cost_usd"], parser["errors"]) == (12, 12, 0, 0.0, {})
    prices = Settings().prices
    for method, modes in plan.items():
        m = methods[method]
        modes_seen = list(modes.values())
        assert (m["status"], m["total"]) == ("done", 12), method
        assert m["correct"] == modes_seen.count("right"), method
        assert m["errors"] == {JUNK_KIND[method]: modes_seen.count("junk")}, method
        assert m["model"] == ("gpt-4o" if method == "maker-cot" else "gpt-4o-mini")
        asked_here = [r for r in scripted_llm.chat_requests() if method_of(r.prompt, r.model) == method]
        assert len(asked_here) == 12 and {r.model for r in asked_here} == {m["model"]}
        tokens_in, tokens_out = usage(asked_here, lambda r: word_sorting_reply(method, asked(r.prompt), modes[asked(r.prompt)], r.prompt))
        assert (m["tokens_in"], m["tokens_out"]) == (tokens_in, tokens_out), method
        assert m["cost_usd"] == pytest.approx(prices[m["model"]].cost(tokens_in, tokens_out), rel=1e-12)
        assert m["cost_per_1k_usd"] == pytest.approx(m["cost_usd"] / 12 * 1000, rel=1e-12)
        low, high = m["ci95"]
        assert low <= m["accuracy"] <= high and m["latency_ms"]["p50"] <= m["latency_ms"]["p95"]
    saved = results(out)
    assert [q["question"] for q in saved["questions"]] == [q["question"] for q in QUESTIONS]
    for record in saved["questions"]:
        assert record["answers"]["tool-parser"]["correct"] is True
        for method, modes in plan.items():
            assert record["answers"][method]["correct"] == (modes[record["question"]] == "right"), method
    # the user-direct answer is the model's line, read back
    first = saved["questions"][0]
    if plan["user-direct"][first["question"]] == "right":
        assert first["answers"]["user-direct"]["answer"] == first["expected"]


def temporal_reply(method: str, question: str, mode: str, _prompt: str = "") -> str:
    """A model answering a multiple-choice question by the option's text, or by its letter."""
    options = dict(line.split(" ", 1) for line in question.split("Options:")[1].strip().splitlines())
    right = [letter for letter, text in options.items()][0]  # (A) in the questions used here
    other = [letter for letter in options if letter != right][0]
    if method == "tool-user":
        return {"right": "The free slot is the answer.\n\n```python\n" + temporal_call(question, letter=False) + "\n```",
                "wrong": f"```python\nans = {options[other]!r}\n```", "junk": "No code needed; it is obvious."}[mode]
    if method == "user-direct":
        return {"right": f"Answer: {options[right]}", "wrong": f"Answer: {other}", "junk": "I'd need more context.\nSorry."}[mode]
    if method == "program":
        return {"right": f"```python\nans = {right!r}\n```", "wrong": f"```python\nans = {options[other]!r}\n```",
                "junk": "```python\nans = 1 / 0\n```"}[mode]
    return {"right": f"Let's think step by step.\nSo the answer is {right}.", "wrong": f"So the answer is {options[other]}.",
            "junk": "Let's think step by step.\nHard to say."}[mode]


def test_multiple_choice_answers_count_by_their_letter_and_make_counts_once(scripted_llm, tmp_path):
    """--make: the first 3 + 3 examples make the tool; option texts map to letters as in solve."""
    examples = [e for e in bbh("temporal_sequences") if e["answer"] == "(A)"][:12]
    data = write_jsonl(tmp_path / "temporal.jsonl", examples)
    project = project_with_tools(tmp_path / "project")
    from latm.toolbox.manifest import Example

    validation = [Example(e["question"], e["answer"]) for e in examples[3:6]]
    family = TEMPORAL_SEQUENCES
    scripted_llm.push(family.proposal(), family.tests(validation), family.wrap(validation), family.parser_reply())
    test_questions = [e["question"] for e in examples[6:]]
    plan = plan_for(test_questions, {"tool-user": 0, "user-direct": 1, "program": 2, "user-cot": 3})
    scripted_llm.respond = responder(plan, temporal_reply)
    out = tmp_path / "out"

    run = latm(project, "eval", str(data), "--make", "free_slot", "--methods", "tool-parser,tool-user,user-direct,user-cot,program",
               "--out", str(out), "--json", env=latm_env(scripted_llm.url))

    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert summary["data"]["making"] == 6 and summary["data"]["test_questions"] == 6
    making = summary["making"]
    assert making["how"] == "made" and making["attempts"]["propose"] == 1 and making["cost_usd"] > 0
    methods = by_method(summary)
    assert methods["tool-parser"]["correct"] == 6
    for method, modes in plan.items():
        assert methods[method]["correct"] == list(modes.values()).count("right"), method
    assert (out / "making_attempts.png").is_file() and (out / "making_attempts.svg").is_file()
    assert summary["plots"]["attempts"] == making["attempts"]
