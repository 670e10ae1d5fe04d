"""Settings from the editor, toolbox diagnostics and watching, hover cards."""

from __future__ import annotations

from lsp_support import add_tool, uri
from lsprotocol import types


def names(listing: dict) -> list[str]:
    return [t["name"] for t in listing["tools"]]


def warnings(editor) -> list[str]:
    return [m.message for m in editor.client.messages if m.type == types.MessageType.Warning]


def diagnostics_saying(editor, doc_uri: str, text: str) -> list[types.Diagnostic]:
    return [d for d in editor.client.diagnostics.get(doc_uri, []) if text in d.message]


async def test_settings_layers_and_bad_values(root, open_editor):
    for folder in ("project_tools", "init_tools", "config_tools", "changed_tools"):
        add_tool(root / folder, f"tool_in_{folder}")
    (root / "pyproject.toml").write_text('[tool.latm]\ntoolbox = "project_tools"\n')
    editor = await open_editor(
        root,
        initialization_options={"toolbox": "init_tools", "timeoutS": 0},
        configuration={"latm": {"toolbox": "config_tools", "insert": "sideways", "python": "/usr/bin/python3"}},
    )
    # workspace/configuration beats initializationOptions, which beat [tool.latm]
    assert names(await editor.command("latm.listTools", {})) == ["tool_in_config_tools"]
    await editor.wait_for(lambda: any("'latm.timeoutS'" in m and "outside" in m and "keeping 5.0" in m
                                      for m in warnings(editor)), what="the timeoutS warning")
    await editor.wait_for(lambda: any("'latm.insert'" in m and "sideways" in m for m in warnings(editor)),
                          what="the insert warning")

    editor.client.set_configuration({"latm": {"toolbox": "changed_tools", "insert": "sideways", "makerModell": "x"}})
    editor.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    changed = await editor.wait_for(
        lambda: [c for c in editor.toolbox_changes() if names(c) == ["tool_in_changed_tools"]], what="new toolbox")
    assert changed
    said = await editor.wait_for(lambda: [m for m in warnings(editor) if "makerModell" in m], what="unknown key")
    assert "unknown setting" in said[0] and "makerModel" in said[0]

    # pushed settings (the VS Code extension's way) work too, and the server keeps going
    editor.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"latm": {"toolbox": "init_tools"}}))
    await editor.wait_for(lambda: [c for c in editor.toolbox_changes() if names(c) == ["tool_in_init_tools"]])
    # Everything the server said before this last change has arrived (one stream, in order), so:
    assert sum("'latm.insert'" in m for m in warnings(editor)) == 1  # reported once, not on every change
    assert not any("python" in m for m in warnings(editor))  # the extension's own key is not the server's


async def test_watcher_reloads_and_diagnostics_follow_the_files(root, open_editor):
    toolbox = root / "toolbox"
    add_tool(toolbox, "count_words")
    editor = await open_editor(root)
    await editor.wait_for(lambda: any(r.method == "workspace/didChangeWatchedFiles" for r in editor.registrations),
                          what="file-event registration")
    baseline = len(editor.toolbox_changes())

    # A tool written on disk shows up with no client event at all.
    add_tool(toolbox, "fresh_tool")
    listing = await editor.wait_for(
        lambda: [c for c in editor.toolbox_changes()[baseline:] if "fresh_tool" in names(c)], what="fresh_tool")
    assert names(listing[-1]) == ["count_words", "fresh_tool"]

    manifest = toolbox / "count_words" / "tool.toml"
    manifest_uri = uri(manifest)
    text = manifest.read_text()
    manifest.write_text(text.replace('summary = "Count the words of a sentence."', "summary = 5"))
    line = next(i for i, l in enumerate(manifest.read_text().splitlines()) if l.startswith("summary"))
    # The file may be seen half-written first, and the diagnostic and the notification are two
    # messages: wait for each state, not for whichever comes first.
    broken = await editor.wait_for(lambda: diagnostics_saying(editor, manifest_uri, "summary"), what="manifest diagnostic")
    assert broken[0].range.start.line == line and broken[0].severity == types.DiagnosticSeverity.Error
    await editor.wait_for(lambda: "count_words" in editor.toolbox_changes()[-1]["broken"], what="listed as broken")

    manifest.write_text(text)
    await editor.wait_for(lambda: len(editor.client.diagnostics.get(manifest_uri, [1])) == 0, what="cleared diagnostic")

    code = toolbox / "count_words" / "tool.py"
    code.write_text(code.read_text() + "\n# edited by hand\n")
    edited = await editor.wait_for(lambda: diagnostics_saying(editor, uri(code), "edited, not verified"), what="hand edit")
    assert edited[0].code == "latm.edited"

    add_tool(toolbox, "unchecked", verified=False)
    unchecked_uri = uri(toolbox / "unchecked" / "tool.toml")
    warning = await editor.wait_for(lambda: diagnostics_saying(editor, unchecked_uri, "not verified"), what="not verified")
    assert warning[0].severity == types.DiagnosticSeverity.Warning


async def test_client_file_events_reload(root, open_editor):
    add_tool(root / "toolbox", "count_words")
    editor = await open_editor(root)
    add_tool(root / "toolbox", "told_by_client")
    editor.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=uri(root / "toolbox" / "told_by_client" / "tool.toml"), type=types.FileChangeType.Created)]))
    await editor.wait_for(lambda: [c for c in editor.toolbox_changes() if "told_by_client" in names(c)])


async def hover_at(editor, doc_uri: str, line: int, character: int):
    return await editor.client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(doc_uri), position=types.Position(line, character)))


async def test_hover_on_a_call_and_in_the_tool_folder(root, open_editor):
    add_tool(root / "toolbox", "count_words")
    editor = await open_editor(root)
    source = (
        "from toolbox.count_words.tool import count_words as cw\n"
        "\n"
        "n = cw('a b c')\n"
        "print(n)\n"
    )
    doc = editor.open(root / "use.py", source, "python")
    card = await hover_at(editor, doc, 2, 5)
    assert card is not None
    text = card.contents.value
    assert "**count_words**" in text and "Count the words of a sentence." in text
    assert "count_words(sentence: str) -> int" in text
    assert "hand-written" in text and "verified 9/9 on docker" in text
    assert (card.range.start.character, card.range.end.character) == (4, 6)
    assert await hover_at(editor, doc, 3, 1) is None  # print is not a tool

    in_folder = await hover_at(editor, uri(root / "toolbox" / "count_words" / "tool.py"), 3, 6)
    assert in_folder is not None and "**count_words**" in in_folder.contents.value


async def test_large_toolbox_changes_are_sent_incrementally(root, open_editor):
    from latm.lsp.changes import FULL_LIST_MAX

    toolbox = root / "toolbox"
    for i in range(FULL_LIST_MAX + 1):
        add_tool(toolbox, f"tool_{i:03d}")
    editor = await open_editor(root)
    first = await editor.wait_for(editor.toolbox_changes, what="the opening list")
    assert first[0]["complete"] is True and len(first[0]["tools"]) == FULL_LIST_MAX + 1

    add_tool(toolbox, "tool_new")
    change = await editor.wait_for(lambda: [c for c in editor.toolbox_changes() if "tool_new" in c["changed"]])
    assert change[0]["complete"] is False and change[0]["count"] == FULL_LIST_MAX + 2
    assert [t["name"] for t in change[0]["tools"]] == ["tool_new"] and change[0]["removed"] == []

    await editor.command("latm.deleteTool", {"name": "tool_007"})
    gone = await editor.wait_for(lambda: [c for c in editor.toolbox_changes() if "tool_007" in c["removed"]])
    assert gone[0]["tools"] == [] and gone[0]["count"] == FULL_LIST_MAX + 1
    assert len((await editor.command("latm.listTools", {}))["tools"]) == FULL_LIST_MAX + 1  # the full list on request
