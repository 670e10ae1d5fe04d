"""The first code actions (issue 10): the server answers them before its routing index is loaded,
with what needs no routing, never with a wrong menu ("no tool fits" for a question a tool fits);
once the index is there the menu names the tool, and the action offered meanwhile answers the
question with that tool when it is picked. Real server over stdio, real sandbox."""

from __future__ import annotations

import random
import shutil
import sys
from pathlib import Path

import pytest
from lsprotocol import types

from latm.lsp.actions import UNROUTED_TITLE
from lsp_support import uri

sys.path.append(str(Path(__file__).resolve().parents[1] / "bench"))  # the benchmark's own toolbox maker
from route_bench import SYLLABLES, synthetic_examples, write_fast  # noqa: E402

REPO_TOOLBOX = Path(__file__).resolve().parents[2] / "toolbox"
QUESTION = "Sort the following words alphabetically: List: pear apple fig"


def write_synthetic(toolbox: Path, count: int) -> None:
    rnd = random.Random(3)
    vocabulary = sorted({"".join(rnd.choice(SYLLABLES) for _ in range(rnd.randint(2, 3))) for _ in range(2000)})
    for i in range(count):
        write_fast(toolbox, f"synthetic_{i:05d}", synthetic_examples(rnd, vocabulary))


async def test_the_first_menu_offers_what_needs_no_routing_and_never_a_wrong_one(root, open_editor, docker_sandbox):
    shutil.copytree(REPO_TOOLBOX / "word_sorting", root / "toolbox" / "word_sorting")
    write_synthetic(root / "toolbox", 200)  # enough tools that the index takes a moment to build
    editor = await open_editor(root)
    doc = editor.open(root / "q.md", QUESTION + "\n")
    line = (0, 0), (0, len(QUESTION))  # selected: a question for certain
    first = [a.title for a in await editor.first_actions(doc, *line)]
    assert first in ([UNROUTED_TITLE], ["Solve with tool: word_sorting"]), first  # whichever the index allows
    routed = await editor.actions(doc, *line)
    assert [a.title for a in routed] == ["Solve with tool: word_sorting"]
    unrouted = {key: value for key, value in routed[0].command.arguments[0].items() if key != "tool"}  # the first menu's
    solved = await editor.command("latm.solve", unrouted)
    assert solved["tool"] == "word_sorting" and solved["answer"] == "apple fig pear"


async def test_a_toolbox_chosen_while_the_first_one_loads_is_the_one_served(root, open_editor):
    """The editor's settings name another toolbox while the first one is still loading: once both are
    loaded, the menu routes with the toolbox the settings name (the first one, finishing last, must not
    be taken for it and leave the menu unrouted)."""
    write_synthetic(root / "toolbox", 1500)  # long enough to load that the change comes meanwhile
    shutil.copytree(REPO_TOOLBOX / "word_sorting", root / "other_tools" / "word_sorting")
    editor = await open_editor(root)
    doc = editor.open(root / "q.md", QUESTION + "\n")
    line = (0, 0), (0, len(QUESTION))
    await editor.first_actions(doc, *line)  # answered once the workspace is open (its toolbox may still load)
    chosen = {"latm": {"toolbox": "other_tools"}}
    editor.client.set_configuration(chosen)
    editor.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=chosen))
    await editor.wait_for(lambda: len(editor.toolbox_changes()) >= 2, what="both toolboxes loaded and listed")
    assert [a.title for a in await editor.first_actions(doc, *line)] == ["Solve with tool: word_sorting"]


async def said_failed(editor, toolbox: Path) -> None:
    await editor.wait_for(lambda: any(m.type == types.MessageType.Error and str(toolbox) in m.message
                                      for m in editor.client.messages), what="the failed load said")


async def test_a_toolbox_that_failed_to_load_is_named_by_the_menu_until_it_loads(root, open_editor):
    """The first load fails (a file stands where the toolbox folder should be): the menu says so and
    what to do, not "still loading" for good; once the folder is repaired, picking that action
    (latm.reloadToolbox) loads it and the menu routes again."""
    (root / "toolbox").rmdir()
    (root / "toolbox").write_text("not a folder\n")
    editor = await open_editor(root)
    await said_failed(editor, root / "toolbox")
    doc = editor.open(root / "q.md", QUESTION + "\n")
    line = (0, 0), (0, len(QUESTION))
    failed = await editor.first_actions(doc, *line)
    assert [a.title for a in failed] != [UNROUTED_TITLE]
    assert len(failed) == 1 and "did not load" in failed[0].title and "toolbox" in failed[0].title, failed
    assert "is not a folder" in failed[0].title and "Reload" in failed[0].title, failed[0].title

    with pytest.raises(Exception, match="is not a folder"):  # picked before the repair: still says why
        await editor.command(failed[0].command.command, *failed[0].command.arguments)
    (root / "toolbox").unlink()
    shutil.copytree(REPO_TOOLBOX / "word_sorting", root / "toolbox" / "word_sorting")
    reloaded = await editor.command(failed[0].command.command, *failed[0].command.arguments)
    assert [tool["name"] for tool in reloaded["tools"]] == ["word_sorting"]
    assert [a.title for a in await editor.first_actions(doc, *line)] == ["Solve with tool: word_sorting"]


def settings_changed(editor, _tool: Path) -> None:
    editor.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"latm": {}}))


def file_created(editor, tool: Path) -> None:
    editor.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
        changes=[types.FileEvent(uri=uri(tool / "tool.py"), type=types.FileChangeType.Created)]))


@pytest.mark.parametrize("tell", [settings_changed, file_created])
async def test_a_repaired_toolbox_loads_at_the_next_settings_change_or_file_event(root, open_editor, tell):
    """After a failed first load, what the editor sends next (unchanged settings, a toolbox file
    event) loads the toolbox again: once it is repaired, the menu routes."""
    (root / "toolbox").rmdir()
    (root / "toolbox").write_text("not a folder\n")
    editor = await open_editor(root)
    await said_failed(editor, root / "toolbox")
    (root / "toolbox").unlink()
    shutil.copytree(REPO_TOOLBOX / "word_sorting", root / "toolbox" / "word_sorting")
    tell(editor, root / "toolbox" / "word_sorting")
    await editor.wait_for(lambda: editor.toolbox_changes(), what="the repaired toolbox loaded and listed")
    doc = editor.open(root / "q.md", QUESTION + "\n")
    assert [a.title for a in await editor.first_actions(doc, (0, 0), (0, len(QUESTION)))] == \
        ["Solve with tool: word_sorting"]
