"""Routing from retrieval alone: the right tool among near misses, none for unseen kinds of question."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from stand_ins import KNOWN_BBH, NEAR_MISS, bbh, bbh_tasks, near_miss_question, stand_in, write_stand_in
from latm.route import route
from latm.route.decision import CLEAR, NONE
from latm.errors import EmptyQuestion
from latm.toolbox.manifest import Example, Failure, Verification
from latm.toolbox.store import ToolFiles, delete_tool, write_tool


def test_each_question_goes_to_its_own_tool_among_near_misses(near_miss_toolbox, open_ws):
    ws = open_ws()
    rnd = random.Random(11)  # other words than the tools' examples
    wrong, unclear = [], 0
    for task in NEAR_MISS:
        for _ in range(15):
            decision = route(ws, near_miss_question(task, rnd), offline=True)
            if decision.tool != task:
                wrong.append((task, decision.tool, decision.reason))
            unclear += decision.how != CLEAR
    assert wrong == []
    assert unclear <= len(NEAR_MISS)  # nearly every one is a clear win, with no model to ask


def test_the_superset_wording_wins_over_the_subset(toolbox, open_ws):
    """Both templates are wholly in the longer question (fit 1.0 each): precision decides."""
    rnd = random.Random(3)
    short, long = "Sort the following words alphabetically: List: {}", "Sort the following words alphabetically: List: {}. Then reverse the list."
    for name, form in (("sort_words", short), ("sort_then_reverse", long)):
        write_stand_in(toolbox, name, [Example(form.format(_nonsense(rnd)), "-") for _ in range(6)])
    ws = open_ws()
    longer = route(ws, long.format("otter heron"), offline=True)
    shorter = route(ws, short.format("otter heron"), offline=True)
    assert longer.tool == "sort_then_reverse" and shorter.tool == "sort_words"
    by_name = {m.name: m for m in longer.candidates}
    assert by_name["sort_words"].fit == by_name["sort_then_reverse"].fit == 1.0
    assert by_name["sort_words"].precision < by_name["sort_then_reverse"].precision == 1.0
    assert {m.name: m for m in shorter.candidates}["sort_then_reverse"].fit < 0.85


def _nonsense(rnd: random.Random) -> str:
    """Words that never recur, so the templates hold only the fixed wording."""
    return " ".join("".join(rnd.choice("bcdfghjklmnpqrstvwxz") for _ in range(6)) for _ in range(rnd.randint(2, 9)))


@pytest.mark.parametrize("task", sorted(set(bbh_tasks()) - set(KNOWN_BBH)))
def test_questions_of_a_family_without_tool_are_unknown(bbh_toolbox, open_ws, task):
    ws = open_ws()
    decisions = [route(ws, e.question, offline=True) for e in bbh(task)[10:70]]
    assert [d.tool for d in decisions if d.tool] == []
    assert all(d.reason.startswith("No tool fits") or "no tool fits" in d.reason for d in decisions)


@pytest.mark.parametrize("task", KNOWN_BBH)
def test_bbh_test_questions_reach_their_family_tool(bbh_toolbox, open_ws, task):
    ws = open_ws()
    tools = [route(ws, e.question, offline=True).tool for e in bbh(task)[10:70]]
    assert tools.count(task) >= 57, tools  # ≥ 95%


def test_unverified_tools_are_never_chosen(toolbox, open_ws):
    examples = bbh("word_sorting")[:6]
    files = stand_in("unverified_sorting", examples)
    write_tool(toolbox, replace(files, manifest=replace(files.manifest, verification=Verification(2, 3))))
    ws = open_ws()
    decision = route(ws, bbh("word_sorting")[20].question, offline=True)
    assert decision.tool is None and decision.candidates == () and "No verified tools" in decision.reason
    write_stand_in(toolbox, "word_sorting", examples)
    ws.registry.reload({"word_sorting"})
    assert route(ws, bbh("word_sorting")[20].question, offline=True).tool == "word_sorting"


def test_the_index_follows_the_registry(bbh_toolbox, open_ws):
    ws = open_ws()
    question = bbh("web_of_lies")[30].question
    assert route(ws, question, offline=True).tool is None
    write_stand_in(bbh_toolbox, "web_of_lies", bbh("web_of_lies")[:6])
    ws.registry.reload({"web_of_lies"})  # what the watcher does after the files land
    assert route(ws, question, offline=True).tool == "web_of_lies"
    delete_tool(bbh_toolbox, "web_of_lies")
    ws.registry.reload({"web_of_lies"})
    assert route(ws, question, offline=True).tool is None
    # A changed tool is matched as it is now: word_sorting's examples replaced by web-of-lies ones.
    write_stand_in(bbh_toolbox, "word_sorting", bbh("web_of_lies")[:6])
    ws.registry.reload({"word_sorting"})
    assert route(ws, question, offline=True).tool == "word_sorting"
    assert route(ws, bbh("word_sorting")[30].question, offline=True).tool is None


def test_nothing_close_is_a_decision_without_candidates_that_fit(bbh_toolbox, open_ws):
    decision = route(open_ws(), "Zebra quilt mortgage?", offline=True)
    assert decision.tool is None and decision.how == NONE and not decision.used_model
    assert all(m.fit < 0.1 for m in decision.candidates)


def test_empty_toolbox_and_empty_question(open_ws):
    ws = open_ws()
    decision = route(ws, "Sort the following words alphabetically: List: a b")
    assert decision.tool is None and "No verified tools" in decision.reason
    with pytest.raises(EmptyQuestion):
        route(ws, "  \n ")


def test_a_regressed_tool_is_routed_to_unless_use_regressed_is_off(bbh_toolbox, open_ws):
    """Regressed: it failed a stored example since it was accepted (a history entry says it was)."""
    from latm.make.history import ensure_first
    from latm.make.verify import read_tool

    manifest, code = read_tool(bbh_toolbox / "word_sorting")
    failing = Verification(5, 6, manifest.verification.verified_at, "docker",
                           (Failure(manifest.examples[0].question, manifest.examples[0].answer, got="wrong"),))
    write_tool(bbh_toolbox, ToolFiles(ensure_first(replace(manifest, verification=failing)), code))
    question = bbh("word_sorting")[20].question
    ws = open_ws()
    assert ws.registry.get("word_sorting").regressed
    assert route(ws, question, offline=True).tool == "word_sorting"  # still used: its answers carry a warning
    assert route(open_ws(use_regressed=False), question, offline=True).tool is None
