"""A hand edit of a tool, from the editor: a saved change to tool.py is "edited, not verified" (a
diagnostic on tool.py) and is not used to answer until the code action "Verify and accept this
edit" re-runs every stored example. A wrong edit is refused and nothing is written; a right one
becomes the tool's next version. No model is needed; tool code runs in the real Docker sandbox."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from latm.toolbox.manifest import loads

pytestmark = pytest.mark.docker

REPO_TOOLBOX = Path(__file__).resolve().parents[2] / "toolbox"
QUESTION = "Sort the following words alphabetically: List: pear apple fig"


async def accept_edit_action(editor, code_uri: str) -> tuple[list[types.Diagnostic], types.CodeAction]:
    """The hand edit's diagnostic on tool.py, and the one code action offered for it."""
    flagged = await editor.wait_for(lambda: [d for d in editor.client.diagnostics.get(code_uri, [])
                                             if d.code == "latm.edited"], what="the hand edit's diagnostic")
    actions = await editor.client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(code_uri), range=flagged[0].range,
        context=types.CodeActionContext(diagnostics=flagged)))
    assert [a.title for a in actions] == ["Verify and accept this edit"]
    assert [d.code for d in actions[0].diagnostics] == ["latm.edited"] and actions[0].command.command == "latm.verifyTool"
    return flagged, actions[0]


async def test_a_hand_edit_is_unused_until_its_code_action_accepts_it(root, open_editor, docker_sandbox):
    folder = root / "toolbox" / "word_sorting"
    shutil.copytree(REPO_TOOLBOX / "word_sorting", folder)
    manifest_text = (folder / "tool.toml").read_text()
    editor = await open_editor(root)
    note = editor.open(root / "notes.md", f"{QUESTION}\n")
    solve_args = {"uri": note, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}}

    # A wrong edit, saved: flagged, and the tool is not used.
    code = folder / "tool.py"
    wrong = code.read_text().replace("return sorted(words)", "return sorted(words, reverse=True)")
    code_uri = editor.open(code, wrong, "python")
    flagged, action = await accept_edit_action(editor, code_uri)
    assert "edited, not verified" in flagged[0].message
    passed_over = await editor.command("latm.solve", solve_args)
    assert passed_over["answer"] is None and passed_over["tool"] == "", passed_over  # routing skips it
    with pytest.raises(JsonRpcException) as caught:  # named, it refuses
        await editor.command("latm.solve", {**solve_args, "tool": "word_sorting"})
    assert "edited by hand and the edit is not verified" in caught.value.message

    refused = await editor.command(action.command.command, *action.command.arguments)
    assert refused["edit"] == "refused" and refused["verified"] is False and refused["passed"] < refused["total"]
    assert "the hand edit is refused: nothing was written" in refused["message"]
    assert code.read_text() == wrong and (folder / "tool.toml").read_text() == manifest_text
    assert (await editor.command("latm.showTool", {"name": "word_sorting"}))["state"] == "edited"

    # The person fixes the edit and saves: accepted as version 2, used again, the diagnostic gone.
    right = code.read_text().replace("return sorted(words, reverse=True)", "return sorted(w.strip() for w in words)")
    code.write_text(right)
    editor.documents[code_uri] = right
    editor.sync(code_uri, 2)
    _, action = await accept_edit_action(editor, code_uri)
    accepted = await editor.command(action.command.command, *action.command.arguments)
    assert accepted["edit"] == "accepted" and accepted["verified"] is True
    assert (await editor.command("latm.showTool", {"name": "word_sorting"}))["state"] == "verified"
    assert "the hand edit is accepted as version 2" in accepted["message"]
    await editor.wait_for(lambda: len(editor.client.diagnostics.get(code_uri, [1])) == 0, what="the diagnostic to clear")
    saved = loads((folder / "tool.toml").read_text())
    assert [(h.version, h.reason) for h in saved.history] == [(1, "hand-written"), (2, "edited by hand")]
    assert code.read_text() == right and (root / ".latm" / "history" / "word_sorting" / "2" / "tool.py").read_text() == right
    solved = await editor.command("latm.solve", solve_args)
    assert solved["answer"] == "apple fig pear" and not solved.get("warning")
