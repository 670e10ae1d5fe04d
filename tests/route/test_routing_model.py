"""Routing with a dispatcher model (the scripted server over the real SDK): asked only when unsure."""

from __future__ import annotations

import json
import socket

import pytest

from stand_ins import bbh, write_stand_in
from latm.route import route
from latm.route.decision import CLEAR, MODEL, RETRIEVAL

SORTING = bbh("word_sorting")
QUESTION = SORTING[40].question


@pytest.fixture
def twins(toolbox):
    """Two tools made from the same kind of question: retrieval cannot tell them apart."""
    write_stand_in(toolbox, "word_sorting", SORTING[:6])
    write_stand_in(toolbox, "alphabetize", SORTING[6:12])
    write_stand_in(toolbox, "dyck_languages", bbh("dyck_languages")[:6])
    return toolbox


def ledger(ws) -> list[dict]:
    return [json.loads(line) for line in (ws.state_dir / "ledger.jsonl").read_text().splitlines()]


def test_close_candidates_are_put_to_the_model_in_the_papers_shape(twins, model, model_ws):
    model.push("alphabetize")
    ws = model_ws()
    decision = route(ws, QUESTION)
    assert decision.tool == "alphabetize" and decision.how == MODEL and decision.used_model
    [request] = model.chat_requests()
    assert request.model == "gpt-4o-mini" and request.body["temperature"] == 0.0
    prompt = request.prompt
    assert "Task: word_sorting\nExample question: " + SORTING[0].question in prompt
    assert "Task: alphabetize\nExample question: " + SORTING[6].question in prompt
    assert "Task: dyck_languages" not in prompt  # only candidates that come close are shown
    assert QUESTION in prompt and "unknown" in prompt
    [entry] = ledger(ws)
    assert (entry["role"], entry["outcome"]) == ("dispatcher", "ok")
    assert entry["tokens_in"] + entry["tokens_out"] == decision.tokens > 0
    assert entry["cost_usd"] == pytest.approx(decision.cost_usd)


def test_the_models_unknown_is_honoured(twins, model, model_ws):
    model.push("unknown")
    decision = route(model_ws(), QUESTION)
    assert decision.tool is None and decision.how == MODEL and decision.used_model
    assert "no fitting task" in decision.reason


def test_a_junk_answer_leaves_the_decision_to_retrieval(twins, model, model_ws):
    model.push("Hmm, it could be the first or the second one; hard to say!")
    decision = route(model_ws(), QUESTION)
    assert decision.used_model and decision.how == RETRIEVAL
    assert decision.tool == decision.candidates[0].name in ("word_sorting", "alphabetize")
    assert "names no task" in decision.reason


def test_an_answer_naming_two_tasks_is_junk(twins, model, model_ws):
    model.push("word_sorting or alphabetize")
    decision = route(model_ws(), QUESTION)
    assert decision.how == RETRIEVAL and "names no task" in decision.reason


def test_a_clear_winner_needs_no_model(toolbox, model, model_ws):
    write_stand_in(toolbox, "word_sorting", SORTING[:6])
    write_stand_in(toolbox, "dyck_languages", bbh("dyck_languages")[:6])
    decision = route(model_ws(), QUESTION)
    assert decision.tool == "word_sorting" and decision.how == CLEAR and not decision.used_model
    assert model.chat_requests() == []


def test_a_weak_match_is_asked_and_the_model_can_accept_it(toolbox, model, model_ws):
    write_stand_in(toolbox, "word_sorting", SORTING[:6])
    write_stand_in(toolbox, "dyck_languages", bbh("dyck_languages")[:6])
    ws = model_ws()
    free_form = "Please sort these words alphabetically: pear apple fig"
    assert route(ws, free_form, offline=True).tool is None  # too weak for retrieval alone
    model.push("word_sorting")
    decision = route(ws, free_form)
    assert decision.tool == "word_sorting" and decision.how == MODEL
    assert "Task: word_sorting" in model.chat_requests()[0].prompt


def test_offline_and_no_dispatcher_model_never_call(twins, model, model_ws):
    for decision in (route(model_ws(), QUESTION, offline=True), route(model_ws(dispatcher_model=""), QUESTION)):
        assert decision.how == RETRIEVAL and not decision.used_model and decision.tool in ("word_sorting", "alphabetize")
    assert model.chat_requests() == []


def test_an_unreachable_model_falls_back_to_retrieval(twins, model_ws):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    decision = route(model_ws(base_url=f"http://127.0.0.1:{closed}/v1"), QUESTION)
    assert decision.how == RETRIEVAL and not decision.used_model and decision.tool is not None
    assert "could not be asked" in decision.reason and "Cannot reach" in decision.reason
