"""latm against a real llama.cpp server and a real small model (the base Gemma 3 270M, which
answers badly and never stops on its own). Each test asserts what must hold whatever the model
says: every request carries the role's max_tokens and no reply is longer; a cut-off reply is
never used; an answer is never one computed for another question; a failure is one clear error
per question; a failed make writes nothing; the ledger's tokens are the server's ``usage``."""

from __future__ import annotations

import dataclasses
import json
import re
import time

import pytest

from llama_support import ledger_of, with_settings
from latm.make import make_tool, verify_tool
from latm.solve import solve, solve_batch
from latm.make.verify import read_tool
from latm.errors import LatmError
from latm.toolbox.manifest import Example
from latm.toolbox.store import ToolFiles, write_tool

pytestmark = [pytest.mark.llama, pytest.mark.docker]

QUESTIONS = {
    "Sort the following words alphabetically: List: pear apple fig": "apple fig pear",
    "Sort the following words alphabetically: List: zebra moon kite": "kite moon zebra",
    "Sort the following words alphabetically: List: delta bravo charlie alpha": "alpha bravo charlie delta",
}


def user_model_only(ws):
    """The committed word_sorting tool without its question parser: every answer needs the model."""
    manifest, code = read_tool(ws.toolbox_dir / "word_sorting")
    write_tool(ws.toolbox_dir, ToolFiles(dataclasses.replace(manifest, parser=None), code))
    assert verify_tool(ws, "word_sorting").ok
    return ws.registry.get("word_sorting")


def other_questions_before(reply, line, question):
    """The "Question:" lines naming another question above ``line`` in ``reply``."""
    where = reply.find(line)
    assert where >= 0, f"{line!r} is not in the reply"
    asked = " ".join(question.split())
    return [q for q in re.findall(r"(?im)^\W*question\W*:(.*)$", reply[:where]) if " ".join(q.split()) != asked]


def assert_ledger_is_the_servers_usage(ws, exchanges, role):
    answered = [e for e in exchanges if e.status == 200]
    entries = [e for e in ledger_of(ws) if e["role"] == role and e["outcome"] in ("ok", "truncated")]
    assert [(e["tokens_in"], e["tokens_out"]) for e in entries] == \
        [(x.usage["prompt_tokens"], x.usage["completion_tokens"]) for x in answered]
    assert [e["outcome"] == "truncated" for e in entries] == [x.finish_reason == "length" for x in answered]


def assert_bounded(exchanges, limit):
    for exchange in exchanges:
        assert exchange.request["max_tokens"] == limit
        assert exchange.status != 200 or exchange.usage["completion_tokens"] <= limit


def test_answers_through_the_user_model_are_bounded_and_never_another_questions(llama_ws, proxy, tmp_path):
    tool = user_model_only(with_settings(llama_ws, user_max_tokens=48))
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"question": q}) + "\n" for q in QUESTIONS))
    answers = solve_batch(llama_ws, source, None, "word_sorting").answers

    exchanges = proxy.chats()
    assert len(exchanges) == len(QUESTIONS) and all(e.request["stop"] == ["\nQuestion:"] for e in exchanges)
    assert_bounded(exchanges, 48)
    assert_ledger_is_the_servers_usage(llama_ws, exchanges, "user")
    copies = {u.code.strip() for u in tool.manifest.use_cases}
    for answer, exchange in zip(answers, exchanges):
        record = answer.record()
        if answer.answer is not None:  # right or wrong, computed by code the model wrote for this question
            assert answer.code.strip() not in copies
            assert not other_questions_before(exchange.text, answer.code.splitlines()[0], answer.question)
        else:
            assert answer.error and "\n" not in answer.error and answer.error.startswith("The user model")
            assert exchange.text.startswith(record["reply"].split("… [")[0])
        assert ("cut off" in answer.error) == (exchange.finish_reason == "length")
    print(f"\nllama.cpp user model: {sum(a.answer is not None for a in answers)}/{len(answers)} answered; "
          f"finish reasons {[e.finish_reason for e in exchanges]}; errors {[a.error[:60] for a in answers]}")


def test_a_make_is_bounded_writes_nothing_on_failure_and_records_the_servers_tokens(llama_ws, proxy):
    with_settings(llama_ws, maker_max_tokens=96, max_retries=2)
    examples = [Example(q, a) for q, a in QUESTIONS.items()] + [
        Example("Sort the following words alphabetically: List: oak elm ash", "ash elm oak"),
        Example("Sort the following words alphabetically: List: red blue green", "blue green red"),
        Example("Sort the following words alphabetically: List: cat dog ant", "ant cat dog")]
    try:
        made = make_tool(llama_ws, examples, "sorter")
    except LatmError as err:
        made, error = None, str(err)
    exchanges = proxy.chats()
    assert exchanges and all(e.request["model"] == llama_ws.settings.maker_model for e in exchanges)
    assert_bounded(exchanges, 96)
    assert_ledger_is_the_servers_usage(llama_ws, exchanges, "maker")
    if made is None:  # what a base model gives: nothing written, the conversation kept, a sentence why
        assert not (llama_ws.toolbox_dir / "sorter").exists()
        assert "Nothing was written" in error and list((llama_ws.state_dir / "failed").glob("sorter-*.json"))
    else:
        assert made.manifest.verification.ok
    for sent, answered in zip(exchanges[1:], exchanges):  # a cut-off reply is fed back, never used
        if answered.finish_reason == "length" and sent.request["messages"][-2]["role"] == "assistant":
            assert "cut off" in sent.request["messages"][-1]["content"]
    print(f"\nllama.cpp maker: {len(exchanges)} calls, finish reasons {[e.finish_reason for e in exchanges]}; "
          f"{'made' if made else error[:200]}")


def test_a_question_longer_than_the_context_is_a_clear_error(llama_ws, proxy):
    user_model_only(llama_ws)
    words = " ".join(f"word{i}" for i in range(1500))
    answer = solve(llama_ws, f"Sort the following words alphabetically: List: {words}", "word_sorting")
    assert answer.answer is None and "no longer fits" in answer.error and "larger context" in answer.error
    assert [e.status for e in proxy.chats()] == [400]
    assert ledger_of(llama_ws)[-1]["outcome"] == "context_overflow"


def test_a_timeout_is_retried_once_and_says_the_server_may_be_busy(llama_ws, proxy):
    user_model_only(with_settings(llama_ws, user_max_tokens=32, llm_timeout_s=0.2, max_retries=3))
    answer = solve(llama_ws, next(iter(QUESTIONS)), "word_sorting")
    assert answer.answer is None and "may still be busy" in answer.error
    assert [e["outcome"] for e in ledger_of(llama_ws) if e["role"] == "user"] == ["timeout", "timeout"]
    deadline = time.monotonic() + 180  # leave the server idle: the abandoned requests run to their end
    while len(proxy.chats()) < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert len(proxy.exchanges) == len(proxy.chats()) == 2
    assert all(e.usage["completion_tokens"] <= 32 for e in proxy.chats())
