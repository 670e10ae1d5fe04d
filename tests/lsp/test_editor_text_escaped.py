"""Text from tools and models reaches the editor escaped: the inserted answer, its message, a
hover card and an error the server shows hold no raw control character or bidi override; the
result says when an answer held some."""

from __future__ import annotations

import pytest
from hostile_tool import HOSTILE, TRIGGER, raw_controls, verify, write_hostile_tool
from lsp_support import llm_env
from lsprotocol import types
from pygls.exceptions import JsonRpcException

pytestmark = pytest.mark.docker
ESCAPED = "\\u001b]0;owned\\u0007\\u001b[2J\\u001b[31mred\\u001b[0m\\u000dover \\u202eevil\\u202c \\u009b31m"


def line_range(line: int) -> dict:
    return {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}}


async def test_a_hostile_answer_is_inserted_escaped_and_flagged(root, open_editor, docker_sandbox):
    name = write_hostile_tool(root / "toolbox")
    verify(root)
    editor = await open_editor(root, env={"LATM_SANDBOX": "docker"})
    doc = editor.open(root / "notes.md", f"# Echoes\n\n{TRIGGER}\n")
    result = await editor.command("latm.solve", {"uri": doc, "range": line_range(2), "tool": name})
    assert result["applied"] is True and result["answer"] == HOSTILE and result["control_characters"] is True
    assert raw_controls(result["message"]) == [] and ESCAPED in result["message"]
    assert "the answer holds control characters: shown and inserted escaped" in result["message"]
    assert raw_controls(editor.documents[doc]) == []
    assert editor.documents[doc].splitlines()[3] == f"Answer: {ESCAPED}"

    plain = editor.open(root / "plain.md", "Echo the word: fig\n")
    result = await editor.command("latm.solve", {"uri": plain, "range": line_range(0), "tool": name})
    assert result["control_characters"] is False and "escaped" not in result["message"]
    assert editor.documents[plain] == "Echo the word: fig\nAnswer: fig\n"


async def test_a_hover_card_shows_the_summary_escaped(root, open_editor):
    name = write_hostile_tool(root / "toolbox")
    editor = await open_editor(root)
    doc = editor.open(root / "use.py", f"from toolbox.{name}.tool import echo_word\n\necho_word('x')\n", "python")
    card = await editor.client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(doc), position=types.Position(2, 3)))
    assert card is not None and raw_controls(card.contents.value) == []
    assert "Echo a word.\\u001b[2J\\u001b]0;owned\\u0007\\u2066" in card.contents.value


async def test_a_models_error_is_shown_escaped(root, open_editor, llm, docker_sandbox):
    proposal = f"```python\ndef double(n: int) -> int:\n    return 2 * n\n\n\nraise ValueError({HOSTILE!r})\n```"
    llm.push(proposal, proposal, proposal)
    editor = await open_editor(root, env=llm_env(llm.url))
    text = "".join(f"Question: What is {i} doubled?\nAnswer: {2 * i}\n\n" for i in range(6))
    doc = editor.open(root / "notes.md", text)
    with pytest.raises(JsonRpcException) as caught:
        await editor.command("latm.makeTool", {"uri": doc, "name": "doubler",
                                               "range": {"start": {"line": 0, "character": 0}, "end": {"line": 18, "character": 0}}})
    assert "the propose stage failed" in caught.value.message and ESCAPED in caught.value.message
    assert raw_controls(caught.value.message) == []
    shown = await editor.wait_for(lambda: [m.message for m in editor.client.messages if "doubler" in m.message],
                                  what="the error shown to the user")
    assert raw_controls(shown[0]) == [] and ESCAPED in shown[0]
