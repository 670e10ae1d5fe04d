"""Making and solving through code actions and commands: the scripted maker over the real SDK,
every piece of model code in the real Docker sandbox."""

from __future__ import annotations

import pytest
from families import WORD_SORTING, split
from lsp_support import bbh_family, examples_markdown, llm_env, maker_responder, server_containers
from pygls.exceptions import JsonRpcException

pytestmark = pytest.mark.docker

TRAIN, VALIDATION, TEST = split("word_sorting")


def titles(actions) -> list[str]:
    return [a.title for a in actions]


def progress_messages(editor) -> list[str]:
    return [getattr(r, "message", None) or getattr(r, "title", "") for reports in editor.client.progress_reports.values()
            for r in reports]


async def test_make_from_the_menu_then_solve_the_question(root, open_editor, llm, docker_sandbox):
    llm.respond = maker_responder(bbh_family(WORD_SORTING))
    editor = await open_editor(root, env=llm_env(llm.url))
    text = examples_markdown("word_sorting")
    doc = editor.open(root / "notes.md", text)
    last = text.splitlines().index("Now a new one:") - 1

    actions = await editor.actions(doc, (2, 0), (last, 0))
    assert titles(actions) == ["Make tool from 6 examples"]
    make = actions[0]
    assert make.kind == "refactor.latm.makeTool" and make.command.command == "latm.makeTool"

    made = await editor.command(make.command.command, {**make.command.arguments[0], "name": "word_sorting"})
    assert made["name"] == "word_sorting" and made["verified"] is True and made["passed"] == made["total"] == 9
    assert made["sandbox"] == "docker" and made["parser"] is True
    said = progress_messages(editor)
    for stage in ("propose 1/3", "verify 1/3", "wrap", "parser 1/3", "write", "done"):
        assert stage in said, said
    assert (root / "toolbox" / "word_sorting" / "tool.py").is_file()
    await editor.wait_for(lambda: any("word_sorting" in [t["name"] for t in c["tools"]] for c in editor.toolbox_changes()))

    question_line = len(text.splitlines()) - 1
    actions = await editor.actions(doc, (question_line, 3))  # no selection: the cursor's line
    assert titles(actions)[0] == "Solve with tool: word_sorting" and actions[0].is_preferred
    assert editor.applied == []  # nothing is solved while the menu opens
    solve = actions[0].command
    solved = await editor.command(solve.command, *solve.arguments)
    expected = " ".join(sorted(TEST[0].question.split("List:", 1)[1].split()))
    assert solved["answer"] == expected and solved["path"] == "parser" and solved["tokens"] == 0
    assert solved["applied"] is True
    lines = editor.documents[doc].splitlines()
    assert lines[question_line + 1] == f"Answer: {expected}"
    assert lines[: question_line + 1] == text.splitlines()  # nothing else changed

    assert len(llm.chat_requests()) == 4  # the make's four stages; solving took no model call
    listed = await editor.command("latm.listTools", {})
    assert listed["tools"][0]["uses"] == 1  # the answer was counted for the tool

    assert server_containers(editor)  # the sandbox ran in this server's own containers
    await editor.client.shutdown_session()
    # shutdown removed them (auto-remove finishes in the engine a moment later)
    await editor.wait_for(lambda: server_containers(editor) == [], what="containers removed")


async def test_too_few_examples_show_a_disabled_action_with_the_reason(root, open_editor, llm):
    editor = await open_editor(root, env=llm_env(llm.url))
    text = examples_markdown("word_sorting", count=4)
    doc = editor.open(root / "notes.md", text)
    actions = await editor.actions(doc, (2, 0), (13, 0))
    make = [a for a in actions if a.kind == "refactor.latm.makeTool"]
    assert len(make) == 1 and make[0].command is None
    assert make[0].disabled.reason.startswith("6 examples needed (3 train + 3 validation), 4 found")

    with pytest.raises(JsonRpcException) as caught:  # the command says the same
        await editor.command("latm.makeTool", {"uri": doc, "range": {"start": {"line": 2, "character": 0},
                                                                     "end": {"line": 13, "character": 0}}})
    assert "6 examples needed" in caught.value.message
    assert llm.chat_requests() == []


async def test_solve_inserts_the_call_in_python(root, open_editor, llm, docker_sandbox):
    llm.respond = maker_responder(bbh_family(WORD_SORTING))
    editor = await open_editor(root, env=llm_env(llm.url))
    notes = editor.open(root / "notes.md", examples_markdown("word_sorting"))
    await editor.command("latm.makeTool", {"uri": notes, "name": "word_sorting",
                                           "range": {"start": {"line": 0, "character": 0}, "end": {"line": 20, "character": 0}}})
    source = ('"""Sorting demo."""\n\nimport os\n\n\ndef main():\n'
              f"    # {TEST[1].question}\n    pass\n")
    doc = editor.open(root / "demo.py", source, "python")
    actions = await editor.actions(doc, (6, 8))
    assert "Insert the call of tool: word_sorting" in titles(actions)
    call = next(a for a in actions if a.title == "Insert the call of tool: word_sorting").command
    result = await editor.command(call.command, *call.arguments)
    assert result["applied"] is True
    words = TEST[1].question.split("List:", 1)[1].split()
    assert editor.documents[doc].splitlines() == [
        '"""Sorting demo."""', "", "import os", "from toolbox.word_sorting.tool import sort_words_alphabetically", "", "",
        "def main():", f"    # {TEST[1].question}", f"    ans = sort_words_alphabetically(words={words!r})", "    pass",
    ]

    answer = next(a for a in actions if a.title == "Solve with tool: word_sorting").command  # a comment in Python
    await editor.command(answer.command, *answer.arguments)
    assert f"    # Answer: {' '.join(sorted(words))}" in editor.documents[doc].splitlines()
