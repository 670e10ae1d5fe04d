"""Correcting an answer from the editor: the code action on an inserted answer, the regressed tool's
diagnostics and warnings, the repair from its manifest, and a make that a tool already answers.
The scripted maker over the real SDK; every run of tool code in the real Docker sandbox."""

from __future__ import annotations

import pytest
from families import split
from living_support import DEDUP, REPEATED, RIGHT_PATCH
from lsp_support import bbh_family, examples_markdown, llm_env, maker_responder, uri
from lsprotocol import types

pytestmark = pytest.mark.docker

TEST = split("word_sorting")[2]


def titles(actions) -> list[str]:
    return [a.title for a in actions]


async def made_dedup(root, open_editor, llm):
    """An editor whose toolbox holds the word sorter that drops repeated words (made from the note)."""
    llm.respond = maker_responder(bbh_family(DEDUP))
    editor = await open_editor(root, env=llm_env(llm.url))
    text = examples_markdown("word_sorting", question=REPEATED.question)
    doc = editor.open(root / "notes.md", text)
    made = await editor.command("latm.makeTool", {"uri": doc, "name": "word_sorting", "range": {
        "start": {"line": 0, "character": 0}, "end": {"line": len(text.splitlines()) - 3, "character": 0}}})
    assert made["verified"] is True
    llm.respond = None
    return editor, doc, len(text.splitlines()) - 1


async def test_correct_this_answer_then_repair_from_the_manifest(root, open_editor, llm, docker_sandbox):
    editor, doc, question_line = await made_dedup(root, open_editor, llm)
    solve = (await editor.actions(doc, (question_line, 0)))[0].command
    solved = await editor.command(solve.command, *solve.arguments)
    assert solved["answer"] == "alpha bravo echo"  # the repeated word is lost
    answer_line = question_line + 1
    assert editor.documents[doc].splitlines()[answer_line] == "Answer: alpha bravo echo"
    editor.sync(doc, 2)

    actions = await editor.actions(doc, (answer_line, 3))
    assert titles(actions) == ["Correct this answer…"]
    correct = actions[0]
    assert correct.kind == "refactor.latm.correctAnswer" and correct.command.command == "latm.correctAnswer"
    # What VS Code sends after its input box: the right answer.
    result = await editor.command("latm.correctAnswer", {**correct.command.arguments[0], "answer": REPEATED.answer})
    assert result["name"] == "word_sorting" and result["state"] == "regressed" and result["added"] == 1
    assert result["failures"] == [{"question": REPEATED.question, "expected": REPEATED.answer,
                                   "got": "alpha bravo echo", "error": ""}]
    assert result["choices"] == [{"title": "Repair word_sorting", "command": "latm.repairTool",
                                  "arguments": [{"name": "word_sorting"}]}]
    assert result["applied"] is True
    assert editor.documents[doc].splitlines()[answer_line] == f"Answer: {REPEATED.answer}"

    manifest = root / "toolbox" / "word_sorting" / "tool.toml"
    flagged = await editor.wait_for(lambda: editor.client.diagnostics.get(uri(manifest)), what="regressed diagnostic")
    assert [d.code for d in flagged] == ["latm.regressed"] and "expected 'alpha bravo echo echo'" in flagged[0].message
    listed = await editor.wait_for(lambda: [t for c in editor.toolbox_changes() for t in c["tools"]
                                            if t["state"] == "regressed"], what="regressed in the list")
    assert listed[-1]["failures"][0]["got"] == "alpha bravo echo"

    # Answers of the regressed tool say so.
    other = editor.open(root / "more.md", f"Question: {TEST[0].question}\n")
    again = await editor.command("latm.solve", {"uri": other, "range": {"start": {"line": 0, "character": 0},
                                                                       "end": {"line": 0, "character": 0}}})
    assert "regressed" in again["warning"] and "Warning:" in again["message"]
    await editor.wait_for(lambda: [m for m in editor.client.messages if m.type == types.MessageType.Warning
                                   and "regressed" in m.message], what="the regressed warning")

    editor.open(manifest, manifest.read_text(), "toml")
    card = await editor.client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri(manifest)), position=types.Position(0, 0)))
    assert "REGRESSED 9/10" in card.contents.value and "**warning**: tool 'word_sorting' is regressed" in card.contents.value

    # The repair, from the code action on the manifest's diagnostic.
    line = flagged[0].range.start.line
    found = await editor.client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri(manifest)), range=flagged[0].range,
        context=types.CodeActionContext(diagnostics=flagged)))
    assert titles(found) == ["Repair tool: word_sorting"] and found[0].diagnostics[0].range.start.line == line
    llm.push(RIGHT_PATCH)
    repaired = await editor.command(found[0].command.command, *found[0].command.arguments)
    assert repaired["repaired"] is True and repaired["version"] == 2
    assert (await editor.command("latm.showTool", {"name": "word_sorting"}))["state"] == "verified"
    assert len(llm.chat_requests()) == 5  # the make's four, the repair's one
    await editor.wait_for(lambda: len(editor.client.diagnostics.get(uri(manifest), [1])) == 0, what="diagnostic cleared")
    history = await editor.command("latm.toolHistory", {"name": "word_sorting"})
    assert [(h["version"], h["reason"], h["kept"]) for h in history["history"]] == [(1, "made", True), (2, "repaired", True)]


async def test_a_make_that_a_tool_already_answers_offers_a_choice(root, open_editor, llm, docker_sandbox):
    editor, _doc, _line = await made_dedup(root, open_editor, llm)
    fresh = TEST[:6]
    text = "\n\n".join(f"Question: {e.question}\nAnswer: {e.answer}" for e in fresh) + "\n"
    doc = editor.open(root / "more_examples.md", text)
    selection = {"uri": doc, "range": {"start": {"line": 0, "character": 0},
                                       "end": {"line": len(text.splitlines()), "character": 0}}}
    offer = await editor.command("latm.makeTool", selection)
    assert offer["made"] is False and offer["existing"] == {"tool": "word_sorting", "answered": 6}
    assert "already answers all 6 examples" in offer["message"]
    add, anyway = offer["choices"]
    assert add["command"] == "latm.addExamples" and anyway["arguments"][0]["force"] is True
    assert len(llm.chat_requests()) == 4  # only the first make asked the maker

    added = await editor.command(add["command"], *add["arguments"])
    assert added["added"] == 6 and added["state"] == "verified"
    tool = await editor.command("latm.showTool", {"name": "word_sorting"})
    assert [e["split"] for e in tool["examples"]].count("reported") == 6
