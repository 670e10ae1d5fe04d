"""Reading and changing the toolbox through commands; bad arguments."""

from __future__ import annotations

import pytest
from lsp_support import add_tool
from pygls.exceptions import JsonRpcException


async def test_list_show_delete_reload(root, open_editor):
    add_tool(root / "toolbox", "count_words")
    add_tool(root / "toolbox", "count_words_unverified", verified=False)
    editor = await open_editor(root)

    listed = await editor.command("latm.listTools", {})
    assert [t["name"] for t in listed["tools"]] == ["count_words", "count_words_unverified"]
    assert [t["verified"] for t in listed["tools"]] == [True, False]
    assert listed["tools"][0]["signature"] == "count_words(sentence: str) -> int"

    shown = await editor.command("latm.showTool", {"name": "count_words"})
    assert "def count_words" in shown["code"]
    assert len(shown["examples"]) == 6 and len(shown["use_cases"]) == 3

    deleted = await editor.command("latm.deleteTool", {"name": "count_words_unverified"})
    assert deleted["deleted"] == "count_words_unverified"
    assert not (root / "toolbox" / "count_words_unverified").exists()
    listed = await editor.command("latm.listTools")  # no argument object at all is fine too
    assert [t["name"] for t in listed["tools"]] == ["count_words"]

    add_tool(root / "toolbox", "second_tool")
    reloaded = await editor.command("latm.reloadToolbox", {})
    assert [t["name"] for t in reloaded["tools"]] == ["count_words", "second_tool"]


@pytest.mark.parametrize("command, argument, says", [
    ("latm.showTool", {"name": 5}, "'name' must be a string"),
    ("latm.showTool", {}, "missing key 'name'"),
    ("latm.showTool", "count_words", "expects an object"),
    ("latm.showTool", {"name": "../etc"}, "Invalid tool name"),
    ("latm.commitTool", {"name": "count_words", "dryrun": True}, "unknown key(s) 'dryrun'"),
    ("latm.commitTool", {"name": "count_words", "dryRun": "yes"}, "'dryRun' must be true or false"),
    ("latm.makeTool", {"uri": "file:///x.md", "range": {"start": {"line": 0}}}, "'range' must be a range"),
    ("latm.makeTool", {"uri": "file:///x.md", "range": {"start": {"line": 2, "character": 0},
                                                       "end": {"line": 1, "character": 0}}}, "ends before it starts"),
    ("latm.solve", {"uri": "file:///x.md", "range": {"start": {"line": 0, "character": 0},
                                                    "end": {"line": 0, "character": 0}}, "insert": "both"}, "'insert' must be one of"),
])
async def test_bad_arguments_are_invalid_params(root, open_editor, command, argument, says):
    add_tool(root / "toolbox", "count_words")
    editor = await open_editor(root)
    with pytest.raises(JsonRpcException) as caught:
        await editor.command(command, argument)
    assert caught.value.code == -32602, caught.value
    assert says in caught.value.message
    assert (await editor.command("latm.listTools", {}))["tools"]  # the server keeps serving


async def test_two_argument_objects_are_refused(root, open_editor):
    editor = await open_editor(root)
    with pytest.raises(JsonRpcException) as caught:
        await editor.command("latm.showTool", {"name": "a"}, {"name": "b"})
    assert caught.value.code == -32602 and "one argument object" in caught.value.message


async def test_unknown_tool_is_a_clear_failure(root, open_editor):
    editor = await open_editor(root)
    with pytest.raises(JsonRpcException) as caught:
        await editor.command("latm.showTool", {"name": "nope"})
    assert caught.value.code == -32803
    assert "No tool named 'nope'" in caught.value.message


@pytest.mark.docker
async def test_an_answer_announces_the_tools_new_use_count(root, open_editor, docker_sandbox):
    add_tool(root / "toolbox", "count_words")
    editor = await open_editor(root, env={"LATM_SANDBOX": "docker"})
    assert (await editor.command("latm.showTool", {"name": "count_words"}))["uses"] == 0
    doc = editor.open(root / "questions.md", 'How many words are in: "one two three"\n')
    opened = len(editor.toolbox_changes())

    solved = await editor.command("latm.solve", {"uri": doc, "tool": "count_words", "range": {
        "start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}})
    assert solved["answer"] == "3"

    def uses_announced():
        return [t["uses"] for change in editor.toolbox_changes()[opened:] for t in change["tools"]
                if t["name"] == "count_words"]

    assert (await editor.wait_for(uses_announced, what="a toolboxChanged after the answer"))[-1] == 1
    assert (await editor.command("latm.showTool", {"name": "count_words"}))["uses"] == 1


@pytest.mark.docker
async def test_sandbox_status_names_a_missing_image_to_build(root, open_editor):
    editor = await open_editor(root, env={"LATM_SANDBOX_IMAGE": "latm-sandbox-missing:0"})
    status = await editor.command("latm.sandboxStatus", {})
    assert status["backend"] == "process" and status["missing_image"] == "latm-sandbox-missing:0"
