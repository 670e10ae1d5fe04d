"""``latm stats``: every number is the ledger's (and the answers'), recomputed here from the files."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from stand_ins import bbh, write_stand_in
from latm.questions import handle_unknown, record_answer, stats
from latm.route import route
from latm.settings import Price
from scripted_llm import server_error

SORTING = bbh("word_sorting")


def lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def spent(entries, chosen=lambda e: True) -> tuple[int, int, int, float]:
    chosen = [e for e in entries if chosen(e)]
    return (len(chosen), sum(e["tokens_in"] for e in chosen), sum(e["tokens_out"] for e in chosen),
            sum(e["cost_usd"] or 0.0 for e in chosen))


def as_tuple(spend) -> tuple[int, int, int, float]:
    return spend.calls, spend.tokens_in, spend.tokens_out, spend.cost_usd


@pytest.fixture
def busy_ws(toolbox, model, model_ws):
    """A workspace after some making, answering, routing and one direct maker answer."""
    write_stand_in(toolbox, "word_sorting", SORTING[:6])
    write_stand_in(toolbox, "alphabetize", SORTING[6:12])  # a twin, so routing asks the dispatcher
    ws = model_ws(on_unknown="solve_with_maker", max_retries=2)
    client = ws.llm()
    model.push("```python\ndef sort_words(words):\n    return sorted(words)\n```", server_error(500), "All tests pass.")
    for prompt in ("Write a function for these examples.", "Write unit tests."):  # as the maker does, tool named
        client.chat("maker", [{"role": "user", "content": prompt}], tool="word_sorting")
    for e in SORTING[20:23]:  # the user model writes the call, as solve does
        model.push(f"```python\nans = ' '.join(sorted({e.question.split('List:')[1].split()!r}))\n```")
        reply = client.chat("user", [{"role": "user", "content": e.question}], tool="word_sorting")
        record_answer(ws, e.question, "word_sorting", "user_model", reply.tokens)
    for e in SORTING[23:27]:  # the question parser answers with no model
        record_answer(ws, e.question, "word_sorting", "parser")
    record_answer(ws, SORTING[27].question, "alphabetize", "parser")
    model.push("word_sorting")
    assert route(ws, SORTING[28].question).used_model
    model.push("Fidel lies, so Jerry lies.\nAnswer: No")
    assert handle_unknown(ws, bbh("web_of_lies")[20].question).answer == "No"
    return ws


def test_stats_numbers_are_the_ledgers(busy_ws):
    ws = busy_ws
    ledger = lines(ws.state_dir / "ledger.jsonl")
    assert [e["outcome"] for e in ledger].count("server_error") == 1  # a retried attempt is in the ledger too
    s = stats(ws)
    assert as_tuple(s.total) == spent(ledger)
    assert as_tuple(s.making) == spent(ledger, lambda e: e["role"] == "maker" and e["tool"]) and s.making.calls == 3
    assert as_tuple(s.using) == spent(ledger, lambda e: e["role"] == "user")
    assert as_tuple(s.routing) == spent(ledger, lambda e: e["role"] == "dispatcher")
    assert as_tuple(s.direct) == spent(ledger, lambda e: e["role"] == "maker" and not e["tool"])
    assert s.total.cost_usd == pytest.approx(s.making.cost_usd + s.using.cost_usd + s.routing.cost_usd + s.direct.cost_usd)

    tools = {t.name: t for t in s.tools}
    sorting = tools["word_sorting"]
    assert (sorting.uses, sorting.by_path) == (7, {"parser": 4, "user_model": 3})
    assert as_tuple(sorting.using) == spent(ledger, lambda e: (e["role"], e["tool"]) == ("user", "word_sorting"))
    assert as_tuple(sorting.making) == spent(ledger, lambda e: (e["role"], e["tool"]) == ("maker", "word_sorting"))
    assert (tools["alphabetize"].uses, tools["alphabetize"].making.calls) == (1, 0)

    assert (s.answered, s.by_path) == (9, {"user_model": 3, "parser": 5, "maker": 1})
    assert s.cost_per_answer_usd == pytest.approx(s.total.cost_usd / 9)
    [direct] = [e for e in ledger if e["role"] == "maker" and not e["tool"]]
    one = ws.settings.price("gpt-4o").cost(direct["tokens_in"], direct["tokens_out"])
    assert s.maker_only_usd == pytest.approx(9 * one) and s.saving_usd == pytest.approx(9 * one - s.total.cost_usd)
    assert "1 direct maker answers" in s.estimate and s.skipped_lines == 0


def test_the_cli_shows_the_same_numbers(busy_ws):
    def cli(*args):
        done = subprocess.run([sys.executable, "-m", "latm", *args, "--root", str(busy_ws.root), "--dispatcher-model", ""],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert json.loads(cli("stats", "--json")) == json.loads(json.dumps(stats(busy_ws).record()))
    text = cli("stats")
    assert "word_sorting" in text and "answered questions: 9" in text and "saved $" in text


def test_calls_of_models_without_a_price_are_counted_not_guessed(model, model_ws):
    ws = model_ws(prices={"gpt-4o": Price(2.5, 10.0)})  # no price for the user model gpt-4o-mini
    model.push("```python\nans = 1\n```")
    ws.llm().chat("user", [{"role": "user", "content": "q"}], tool="t")
    s = stats(ws)
    assert (s.using.calls, s.using.unpriced, s.using.cost_usd) == (1, 1, 0.0)
    assert s.answered == 0 and s.maker_only_usd == 0.0 and "1 user-model answers" in s.estimate


def test_no_activity_yet(open_ws):
    s = stats(open_ws())
    assert (s.answered, s.total.calls, s.cost_per_answer_usd, s.maker_only_usd) == (0, 0, None, None)
    assert s.estimate == "no measured answer yet to estimate from"
