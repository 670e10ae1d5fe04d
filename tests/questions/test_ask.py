"""A question asked without naming a tool: routed to the tool that fits and answered with it, or
kept as pending when none fits. Real SDK, scripted server, real Docker sandbox."""

from __future__ import annotations

import pytest

from families import split
from latm.questions import answer_question
from model_support import make_family_tool

pytestmark = pytest.mark.docker


def test_without_a_name_the_routed_tool_answers(scripted_llm, workspace, llm):
    make_family_tool(scripted_llm, workspace, llm, "word_sorting")
    make_family_tool(scripted_llm, workspace, llm, "dyck_languages")
    workspace.registry.load()
    question = split("dyck_languages")[2][3]
    answer = answer_question(workspace, question.question).answer
    assert (answer.tool, answer.answer) == ("dyck_languages", question.answer)
    unfit = answer_question(workspace, "What is the capital of France?")
    assert unfit.unknown is not None and unfit.unknown.how == "refused"
    assert (unfit.answer.tool, unfit.answer.answer) == ("", None) and "No tool fits" in unfit.answer.error
