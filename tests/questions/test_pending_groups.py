"""Pending questions grouped by kind; a group with enough answers becomes a tool."""

from __future__ import annotations

import random

import pytest

from stand_ins import bbh, write_stand_in
from latm.questions import confirm_answer, group_examples, handle_unknown, make_from_group, pending_groups
from latm.route import route
from latm.errors import NotEnoughExamples, UnknownGroup
from latm.toolbox.names import NAME_RE


def ask(ws, task: str, indices) -> None:
    for i in indices:
        handle_unknown(ws, bbh(task)[i].question)


def confirm(ws, task: str, indices) -> None:
    for i in indices:
        e = bbh(task)[i]
        confirm_answer(ws, e.question, e.answer)


def test_a_group_grows_into_a_make_suggestion(bbh_toolbox, open_ws):
    ws = open_ws()  # tools for five families; web of lies and the Chinese remainder theorem have none
    mixed = [("web_of_lies", i) for i in range(20, 28)] + [("chinese_remainder_theorem", i) for i in range(20, 24)]
    random.Random(1).shuffle(mixed)
    for task, i in mixed:
        ask(ws, task, [i])
    ask(ws, "word_sorting", [30])  # a tool fits this one: never pending in a group
    groups = pending_groups(ws)
    assert sorted(len(g.questions) for g in groups) == [4, 8]
    lies = next(g for g in groups if len(g.questions) == 8)
    assert {q.question for q in lies.questions} == {bbh("web_of_lies")[i].question for i in range(20, 28)}
    assert (lies.answered, lies.needed, lies.ready) == (0, 6, False)
    assert NAME_RE.fullmatch(lies.suggested_name) and "lies" in lies.suggested_name
    assert lies.suggested_name not in ws.registry.tools

    confirm(ws, "web_of_lies", range(20, 25))
    grown = next(g for g in pending_groups(ws) if g.id == lies.id)  # the same id as it grows
    assert (grown.answered, grown.ready) == (5, False)
    with pytest.raises(NotEnoughExamples, match="5 answered questions; making a tool needs 6"):
        group_examples(ws, lies.id)

    confirm(ws, "web_of_lies", [25])
    ready = pending_groups(ws)[0]  # ready groups come first
    assert (ready.id, ready.answered, ready.ready) == (lies.id, 6, True)
    examples = group_examples(ws, lies.id)
    assert [e.split for e in examples] == ["train"] * 3 + ["validation"] * 3
    assert [(e.question, e.answer) for e in examples] == [(bbh("web_of_lies")[i].question, bbh("web_of_lies")[i].answer)
                                                          for i in sorted(range(20, 26), key=lambda i: mixed.index(("web_of_lies", i)))]


def test_a_persons_answers_come_before_the_makers(open_ws, model, model_ws):
    ws = model_ws(on_unknown="solve_with_maker", train_examples=2, validation_examples=1)
    lies = bbh("web_of_lies")
    model.push(*[f"Answer: {e.answer}" for e in lies[20:23]])
    for e in lies[20:23]:
        handle_unknown(ws, e.question)
    confirm_answer(ws, lies[23].question, lies[23].answer)
    [group] = pending_groups(ws)
    assert group.ready and group.needed == 3
    assert [e.question for e in group_examples(ws, group.id)] == [lies[i].question for i in (23, 20, 21)]


def test_an_unknown_group_id_is_a_clear_error(open_ws):
    with pytest.raises(UnknownGroup, match="latm pending"):
        group_examples(open_ws(), "g0000000")


@pytest.mark.docker
def test_making_a_tool_from_a_ready_group(toolbox, model, model_ws):
    """The scripted maker writes real code; it is verified in the Docker sandbox; the questions
    then go to the new tool and leave the pending list."""
    from families import WORD_SORTING  # the engine tests' scripted maker

    write_stand_in(toolbox, "dyck_languages", bbh("dyck_languages")[:6])
    ws = model_ws(sandbox="docker")
    sorting = bbh("word_sorting")
    ask(ws, "word_sorting", range(20, 30))
    confirm(ws, "word_sorting", range(20, 26))
    [group] = pending_groups(ws)
    assert group.ready and len(group.questions) == 10
    validation = group_examples(ws, group.id)[3:]
    model.push(WORD_SORTING.proposal(), WORD_SORTING.tests(validation), WORD_SORTING.wrap(validation),
               WORD_SORTING.parser_reply())
    made = make_from_group(ws, group.id)

    assert made.name == group.suggested_name and ws.registry.get(made.name).verified
    assert made.manifest.verification.sandbox == "docker"
    assert pending_groups(ws) == []  # all ten now fit the new tool
    assert route(ws, sorting[100].question, offline=True).tool == made.name
