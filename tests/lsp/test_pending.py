"""Questions no tool fits: "No tool fits" in the menu, kept as pending, answered by the maker
model when configured, and made into a tool once enough answered ones pile up."""

from __future__ import annotations

import re

import pytest
from families import Family
from lsp_support import llm_env, maker_responder
from lsprotocol import types

pytestmark = pytest.mark.docker

ADDITION = Family(
    task="addition",
    entry="add_numbers",
    function='''
def add_numbers(a, b):
    """Add two whole numbers."""
    return a + b
''',
    call=lambda q: "a, b = {}, {}\nret = add_numbers(a, b)\nans = str(ret)".format(*re.findall(r"\d+", q)[:2]),
    parser='''
import re


def parse_question(question):
    a, b = re.findall(r"-?\\d+", question)[:2]
    return {"a": int(a), "b": int(b)}


def format_answer(result, question):
    return str(result)
''',
)
QUESTIONS = [f"What is {a} plus {b}?" for a, b in ((12, 30), (7, 8), (100, 23), (5, 5), (64, 1), (19, 22))]


def added(question: str) -> str:
    return str(sum(int(n) for n in re.findall(r"\d+", question)[:2]))


def addition_maker():
    return maker_responder((ADDITION, lambda opening: " plus " in opening), direct=added)


async def test_no_tool_fits_keeps_the_question(root, open_editor, llm):
    editor = await open_editor(root, env=llm_env(llm.url))
    doc = editor.open(root / "q.md", "# Questions\n\nWhat is the capital of France?\n")
    actions = await editor.actions(doc, (2, 4))
    assert [a.title for a in actions] == ["No tool fits this question: ask latm (keeps it as pending, offers to make a tool)"]
    solved = await editor.command(actions[0].command.command, *actions[0].command.arguments)
    assert solved["unknown"] is True and solved["answer"] is None and solved["tool"] == ""
    assert "kept in .latm/pending.jsonl" in solved["message"]
    assert editor.applied == []  # nothing to insert
    info = await editor.wait_for(lambda: [m for m in editor.client.messages if "No tool fits" in m.message])
    assert info[0].type == types.MessageType.Info
    groups = (await editor.command("latm.pending", {}))["groups"]
    assert [q["question"] for g in groups for q in g["questions"]] == ["What is the capital of France?"]
    assert groups[0]["ready"] is False and groups[0]["answered"] == 0
    assert llm.chat_requests() == []  # refusing needs no model


async def test_maker_answers_pile_up_into_a_new_tool(root, open_editor, llm, docker_sandbox):
    llm.respond = addition_maker()
    editor = await open_editor(root, env=llm_env(llm.url), initialization_options={"onUnknown": "solve_with_maker"})
    offers = []

    @editor.client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
    def accept(params: types.ShowMessageRequestParams):
        offers.append(params)
        return params.actions[0]

    text = "\n".join(QUESTIONS) + "\n"
    doc = editor.open(root / "sums.md", text)
    for line in range(len(QUESTIONS)):
        current = editor.documents[doc].splitlines()
        at = current.index(QUESTIONS[line])
        editor.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=doc, version=line + 2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=editor.documents[doc])]))
        solved = await editor.command("latm.solve", {"uri": doc, "range": {"start": {"line": at, "character": 0},
                                                                           "end": {"line": at, "character": 0}}})
        assert solved["unknown"] is True and solved["answer"] == added(QUESTIONS[line]) and solved["path"] == "maker"
        lines = editor.documents[doc].splitlines()
        assert lines[at + 1] == f"Answer: {added(QUESTIONS[line])} (maker model, no verified tool)"

    # The sixth answered question made the group ready: the server offered to make the tool.
    await editor.wait_for(lambda: offers, what="the offer to make a tool")
    assert "make the tool" in offers[0].message and offers[0].actions[0].title.startswith("Make tool ")
    made = await editor.wait_for(lambda: [c for c in editor.toolbox_changes() if c["tools"]],
                                 what="the tool made from pending questions")
    tool = made[-1]["tools"][0]
    assert tool["verified"] is True and tool["entry"] == "add_numbers"

    new = editor.open(root / "more.md", "What is 40 plus 2?\n")
    actions = await editor.actions(new, (0, 3))
    assert actions[0].title == f"Solve with tool: {tool['name']}"
    solved = await editor.command(actions[0].command.command, *actions[0].command.arguments)
    assert solved["answer"] == "42" and solved["path"] == "parser"
    assert (await editor.command("latm.pending", {}))["groups"] == []  # a tool fits them now
