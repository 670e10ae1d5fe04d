"""A toolbox holding crafted or linked tools still opens: the server lists the good tools, reports
the others as broken with a diagnostic, and never reads through a link (issue 16, items 3 and 10)."""

from __future__ import annotations

import os

import pytest
from pygls.exceptions import JsonRpcException

from lsp_support import add_tool, uri, word_count_files
from lsprotocol import types

from latm.toolbox.store import write_tool

DEEP = 100_000


async def test_the_server_opens_a_toolbox_with_crafted_and_linked_tools(root, open_editor, tmp_path):
    toolbox = root / "toolbox"
    add_tool(toolbox, "count_words")
    deep_toml = write_tool(toolbox, word_count_files("deep_toml")) / "tool.toml"
    with open(deep_toml, "a") as handle:
        handle.write("crafted = " + "[" * DEEP + "]" * DEEP + "\n")
    deep_code = word_count_files().code + "crafted = " + "-" * DEEP + "1\n"
    write_tool(toolbox, word_count_files("deep_code", code=deep_code))
    fifo = write_tool(toolbox, word_count_files("fifo_code")) / "tool.py"
    fifo.unlink()
    os.mkfifo(fifo)  # reading it would block the server for good
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the editor\n")
    linked = write_tool(toolbox, word_count_files("linked_code")) / "tool.py"
    linked.unlink()
    linked.symlink_to(secret)

    editor = await open_editor(root)
    listed = await editor.command("latm.listTools", {})
    assert [t["name"] for t in listed["tools"]] == ["count_words"]
    assert listed["broken"] == ["deep_code", "deep_toml", "fifo_code", "linked_code"]

    found = await editor.wait_for(lambda: all(editor.client.diagnostics.get(uri(p)) for p in (deep_toml, fifo, linked)),
                                  what="a diagnostic on each crafted file")
    assert found
    assert "nested more than" in editor.client.diagnostics[uri(deep_toml)][0].message
    assert "is a fifo" in editor.client.diagnostics[uri(fifo)][0].message
    linked_says = editor.client.diagnostics[uri(linked)][0]
    assert "symbolic link" in linked_says.message and linked_says.severity == types.DiagnosticSeverity.Error
    assert (await editor.command("latm.showTool", {"name": "count_words"}))["name"] == "count_words"


async def test_the_server_opens_a_workspace_whose_toolbox_is_a_loop_of_links(root, open_editor):
    (root / "toolbox").rmdir()
    (root / "toolbox").symlink_to("toolbox")
    editor = await open_editor(root)
    opened = await editor.wait_for(lambda: editor.toolbox_changes(), what="the toolbox listed once it opened")
    assert opened[0]["tools"] == [] and opened[0]["broken"] == []
    assert [m.message for m in editor.client.messages if m.type == types.MessageType.Error] == []
    with pytest.raises(JsonRpcException, match="loop of symbolic links"):
        await editor.command("latm.showTool", {"name": "count_words"})
    code = editor.open(root / "main.py", "print(count_words('a b'))\n", language="python")
    card = await editor.client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(code), position=types.Position(0, 8)))
    assert card is None
