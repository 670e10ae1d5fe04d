"""What the server reads and edits: documents the editor opened, or regular files inside the
workspace under a size limit. Anything else is refused with a clear error and never edited."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from lsp_support import WAIT_S, add_tool, uri
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from latm.lsp.documents import MAX_DISK_BYTES

QUESTION = 'How many words are in: "a b c"\n'
CURSOR = {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}
REQUEST_FAILED = -32803


def outside_file(root: Path) -> str:
    path = root.parent / "elsewhere" / "notes.md"
    path.parent.mkdir()
    path.write_text(QUESTION)
    return uri(path)


def link_out(root: Path) -> str:
    (root / "linked.md").symlink_to(Path(outside_file(root).removeprefix("file://")))
    return uri(root / "linked.md")


def link_to_a_device(root: Path) -> str:
    (root / "zero.md").symlink_to("/dev/zero")
    return uri(root / "zero.md")


def fifo(root: Path) -> str:
    os.mkfifo(root / "pipe.md")
    return uri(root / "pipe.md")


def folder(root: Path) -> str:
    (root / "folder.md").mkdir()
    return uri(root / "folder.md")


def too_big(root: Path) -> str:
    path = root / "big.md"
    with path.open("w") as out:
        out.write(QUESTION)
        out.truncate(MAX_DISK_BYTES + 1)
    return uri(path)


def not_utf8(root: Path) -> str:
    (root / "latin1.md").write_bytes('How many words are in: "caf\xe9 au lait"\n'.encode("latin-1"))
    return uri(root / "latin1.md")


REFUSED = [
    (lambda root: "file:///etc/passwd", "outside the workspace"),
    (lambda root: "file:///dev/zero", "outside the workspace"),
    (outside_file, "outside the workspace"),
    (link_out, "outside the workspace"),
    (link_to_a_device, "outside the workspace"),
    (fifo, "not a regular file"),
    (folder, "not a regular file"),
    (too_big, f"over the {MAX_DISK_BYTES} bytes"),
    (not_utf8, "not UTF-8"),
    (lambda root: "untitled:Untitled-1", "not open in the editor"),
]
IDS = ["etc_passwd", "dev_zero", "outside", "link_out", "link_to_device", "fifo", "folder", "too_big", "not_utf8",
       "untitled"]


@pytest.mark.parametrize("target, says", REFUSED, ids=IDS)
async def test_solve_refuses_what_the_editor_did_not_open_outside_the_workspace(root, open_editor, target, says):
    add_tool(root / "toolbox", "count_words")
    doc = target(root)
    editor = await open_editor(root)
    with pytest.raises(JsonRpcException) as caught:
        await asyncio.wait_for(editor.command("latm.solve", {"uri": doc, "range": CURSOR}), WAIT_S)
    assert caught.value.code == REQUEST_FAILED, caught.value
    assert says in caught.value.message and "open it in the editor" in caught.value.message, caught.value.message
    assert editor.applied == []  # no edit was sent for it
    assert (await editor.command("latm.listTools", {}))["tools"]  # the server keeps serving


async def test_make_hover_and_code_actions_refuse_it_too(root, open_editor):
    add_tool(root / "toolbox", "count_words")
    doc = outside_file(root)
    editor = await open_editor(root)
    whole = {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 0}}
    requests = [
        editor.command("latm.makeTool", {"uri": doc, "range": whole}),
        editor.client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(doc), position=types.Position(0, 5))),
        editor.actions(doc, (0, 0)),
    ]
    for request in requests:
        with pytest.raises(JsonRpcException) as caught:
            await asyncio.wait_for(request, WAIT_S)
        assert caught.value.code == REQUEST_FAILED and "outside the workspace" in caught.value.message


@pytest.mark.docker
async def test_an_opened_document_anywhere_and_a_workspace_file_on_disk_are_solved(root, open_editor, docker_sandbox):
    add_tool(root / "toolbox", "count_words")
    editor = await open_editor(root)
    opened = editor.open(root.parent / "elsewhere" / "open.md", QUESTION)  # the editor chose to open it
    solved = await editor.command("latm.solve", {"uri": opened, "range": CURSOR})
    assert solved["answer"] == "3" and solved["applied"] is True
    assert editor.documents[opened] == QUESTION + "Answer: 3\n"

    on_disk = root / "notes" / "disk.md"  # not open, but a regular file inside the workspace
    on_disk.parent.mkdir()
    on_disk.write_text(QUESTION)
    editor.documents[uri(on_disk)] = QUESTION
    solved = await editor.command("latm.solve", {"uri": uri(on_disk), "range": CURSOR})
    assert solved["answer"] == "3" and solved["applied"] is True
    assert [list(e.edit.changes or {}) + [c.text_document.uri for c in e.edit.document_changes or []]
            for e in editor.applied] == [[opened], [uri(on_disk)]]  # each edit went to the document it answered
