"""Questions no tool fits: kept in .latm/pending.jsonl, refused or answered by the maker model."""

from __future__ import annotations

import json
import multiprocessing

import pytest

from latm.questions import confirm_answer, handle_unknown, pending_questions
from latm.questions.answer_log import read_answers
from latm.bookkeeping import append_record, read_records
from latm.questions.pending import pending_path, question_id
from latm.questions.unknown import REFUSED, final_answer
from latm.errors import EmptyQuestion

QUESTION = "Question: Fidel lies. Jerry says Fidel tells the truth. Does Jerry tell the truth?"


def test_refuse_keeps_the_question_and_calls_no_model(model, model_ws):
    ws = model_ws(on_unknown="refuse")
    outcome = handle_unknown(ws, QUESTION)
    handle_unknown(ws, "  " + QUESTION.replace(" ", "  ") + "\n")  # the same question, other whitespace
    assert outcome.how == REFUSED and outcome.answer is None and "No tool fits" in outcome.message
    [kept], skipped = pending_questions(ws)
    assert (kept.question, kept.asked, kept.answer, skipped) == (QUESTION, 2, None, 0)
    assert kept.id == outcome.pending_id == question_id(QUESTION)
    assert model.chat_requests() == [] and read_answers(ws) == ([], 0)


def test_solve_with_maker_answers_marked_as_the_makers(model, model_ws):
    model.push("Fidel lies, so Jerry, who says Fidel tells the truth, lies.\n\n**Answer: No**")
    ws = model_ws(on_unknown="solve_with_maker")
    outcome = handle_unknown(ws, QUESTION)
    assert (outcome.how, outcome.answer) == ("maker", "No") and "maker model" in outcome.message
    assert QUESTION in model.chat_requests()[0].prompt and model.chat_requests()[0].model == "gpt-4o"
    [kept], _ = pending_questions(ws)
    assert (kept.answer, kept.source) == ("No", "maker")
    [answer], _ = read_answers(ws)
    assert (answer.tool, answer.path, answer.tokens) == ("", "maker", outcome.tokens)
    [entry] = [json.loads(line) for line in (ws.state_dir / "ledger.jsonl").read_text().splitlines()]
    assert (entry["role"], entry["tool"], entry["tokens_in"] + entry["tokens_out"]) == ("maker", "", outcome.tokens)


def test_a_maker_reply_without_an_answer_line_keeps_the_question_unanswered(model, model_ws):
    model.push("This depends on who is lying, which I cannot know.")
    ws = model_ws(on_unknown="solve_with_maker")
    outcome = handle_unknown(ws, QUESTION)
    assert outcome.answer is None and "no final 'Answer:' line" in outcome.message
    assert pending_questions(ws)[0][0].answer is None and read_answers(ws) == ([], 0)


def test_a_maker_reply_cut_off_at_its_token_limit_is_no_answer_and_nothing_is_kept_as_one(model, model_ws):
    # A reasoning model's first guess, then its correction: cut off after the guess, the guess is no answer.
    model.push("Let me guess first.\nAnswer: Yes\nBut wait: Fidel lies, so Jerry, who says Fidel tells the "
               "truth, lies too. Checking each case again carefully before I settle on it.\n\nAnswer: No")
    ws = model_ws(on_unknown="solve_with_maker", maker_max_tokens=12)
    outcome = handle_unknown(ws, QUESTION)
    assert outcome.answer is None and outcome.how == "maker"
    assert "cut off" in outcome.message and "maker_max_tokens" in outcome.message and "pending" in outcome.message
    assert outcome.tokens > 0  # what the cut-off reply cost is still counted
    [kept], _ = pending_questions(ws)
    assert kept.answer is None and read_answers(ws) == ([], 0)
    assert model.chat_requests()[0].body["max_tokens"] == 12


def test_a_persons_answer_wins_over_the_makers(model, model_ws):
    model.push("Answer: Yes", "Answer: Yes")
    ws = model_ws(on_unknown="solve_with_maker")
    handle_unknown(ws, QUESTION)
    confirmed = confirm_answer(ws, QUESTION, " No ")
    assert (confirmed.answer, confirmed.source) == ("No", "user")
    handle_unknown(ws, QUESTION)  # asked again; the maker says Yes again
    [kept], _ = pending_questions(ws)
    assert (kept.answer, kept.source, kept.asked) == ("No", "user", 2)


def test_confirming_a_question_never_asked_keeps_it_too(open_ws):
    ws = open_ws()
    confirm_answer(ws, "What is 2 plus 3?", "5")
    assert [(q.question, q.answer) for q in pending_questions(ws)[0]] == [("What is 2 plus 3?", "5")]
    with pytest.raises(EmptyQuestion):
        confirm_answer(ws, "What is 2 plus 3?", "  ")
    with pytest.raises(EmptyQuestion):
        handle_unknown(ws, " ")


def test_damaged_lines_are_skipped_and_counted_and_appends_go_on(open_ws):
    ws = open_ws()
    handle_unknown(ws, "first question?")
    path = pending_path(ws)
    with open(path, "a", encoding="utf-8") as damaged:
        damaged.write("not json at all\n[1, 2]\n" + json.dumps({"kind": "answer", "id": 7}) + "\n")
        damaged.write('{"kind": "question", "id": "abc", "quest')  # torn by a crash: no newline
    confirm_answer(ws, "second question?", "B")
    questions, skipped = pending_questions(ws)
    assert [(q.question, q.answer) for q in questions] == [("first question?", None), ("second question?", "B")]
    assert skipped == 4
    assert path.read_text().splitlines()[-3] == '{"kind": "question", "id": "abc", "quest'  # closed off, kept


def _append_many(path: str, worker: int) -> None:
    from pathlib import Path

    for i in range(200):
        append_record(Path(path), {"worker": worker, "i": i, "padding": "x" * 3000})


def test_appends_from_many_processes_never_interleave(tmp_path):
    path = tmp_path / "pending.jsonl"
    workers = [multiprocessing.Process(target=_append_many, args=(str(path), n)) for n in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    records, bad = read_records(path)
    assert bad == 0 and len(records) == 800
    assert sorted((r["worker"], r["i"]) for r in records) == [(w, i) for w in range(4) for i in range(200)]


@pytest.mark.parametrize("reply, expected", [
    ("Answer: (B)", "(B)"), ("Step 1...\nanswer: 42\n", "42"), ("**Final Answer:** apple pear", "apple pear"),
    ("Answer: first\nthinking again\nAnswer: second", "second"), ("no final line", None), ("Answer:   ", None),
])
def test_final_answer_line(reply, expected):
    assert final_answer(reply) == expected
