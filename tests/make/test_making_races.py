"""A make writes its tool only over what was there when it started: a tool created or deleted by
someone else meanwhile is not overwritten or brought back (issue 16, item 21). The other writer
acts from the make's progress callback, so the race happens at a chosen point, every time."""

from __future__ import annotations

import dataclasses
import json

import pytest

from model_support import reference_transcript, tree_bytes
from families import WORD_SORTING, split
from latm.make.importer import import_latm
from latm.make.new_tool import make_tool
from latm.errors import ToolChanged
from latm.toolbox import store

TRAIN, VALIDATION, _ = split("word_sorting")


@pytest.fixture
def process_workspace(workspace):
    workspace.settings = dataclasses.replace(workspace.settings, sandbox="process")
    return workspace


def script_make(server):
    server.push(WORD_SORTING.proposal(), WORD_SORTING.tests(VALIDATION), WORD_SORTING.wrap(VALIDATION),
                WORD_SORTING.parser_reply())


def once(action):
    done = []
    return lambda _event: done or done.append(action())


def test_a_tool_created_by_another_writer_during_a_make_is_kept(scripted_llm, process_workspace, llm):
    ws = process_workspace
    script_make(scripted_llm)
    other = make_tool(ws, TRAIN + VALIDATION, "word_sorting")  # the other writer's version
    other_code = (other.path / "tool.py").read_text() + "# the other writer's version\n"
    store.delete_tool(ws.toolbox_dir, "word_sorting")
    written = []

    def other_writer():
        written.append(tree_bytes(store.write_tool(ws.toolbox_dir, store.ToolFiles(other.manifest, other_code))))

    script_make(scripted_llm)
    with pytest.raises(ToolChanged, match="'word_sorting' was created by another writer while latm was making it"):
        make_tool(ws, TRAIN + VALIDATION, "word_sorting", progress=once(other_writer))
    assert tree_bytes(ws.toolbox_dir / "word_sorting") == written[0]


def test_a_tool_deleted_during_a_make_that_replaces_it_stays_deleted(scripted_llm, process_workspace, llm):
    ws = process_workspace
    script_make(scripted_llm)
    script_make(scripted_llm)
    make_tool(ws, TRAIN + VALIDATION, "word_sorting")
    with pytest.raises(ToolChanged, match="'word_sorting' was deleted while latm was making it") as caught:
        make_tool(ws, TRAIN + VALIDATION, "word_sorting",
                  progress=once(lambda: store.delete_tool(ws.toolbox_dir, "word_sorting")))
    assert str(caught.value).count("othing was written") == 1 and "conversation so far is in" in str(caught.value)
    assert not (ws.toolbox_dir / "word_sorting").exists()


def test_an_import_does_not_bring_back_a_tool_deleted_while_it_ran(process_workspace, tmp_path):
    ws = process_workspace
    messages = reference_transcript(WORD_SORTING, TRAIN, VALIDATION)
    path = tmp_path / "t.json"
    path.write_text(json.dumps(messages))
    import_latm(ws, path, "words")
    with pytest.raises(ToolChanged, match="'words' was deleted while latm was importing it"):
        import_latm(ws, path, "words", progress=once(lambda: store.delete_tool(ws.toolbox_dir, "words")))
    assert not (ws.toolbox_dir / "words").exists()


def test_a_make_trusts_only_the_files_it_wrote(scripted_llm, process_workspace, llm, monkeypatch):
    """A make trusts its tool for agents (MCP); an edit by another process between the write and the
    recording of that trust is not trusted with it."""
    from latm.make import new_tool
    from latm.mcp.catalog import Catalog

    ws = process_workspace
    script_make(scripted_llm)
    make_tool(ws, TRAIN + VALIDATION, "word_sorting")
    assert Catalog(ws.registry).trusted("word_sorting")  # a normal make is trusted as written

    record_trust = new_tool._trust_made

    def edited_first(*args, **kwargs):
        tool_py = ws.toolbox_dir / "sorted_words" / "tool.py"
        tool_py.write_text(tool_py.read_text() + "# another process's edit\n")
        return record_trust(*args, **kwargs)

    monkeypatch.setattr(new_tool, "_trust_made", edited_first)
    script_make(scripted_llm)
    make_tool(ws, TRAIN + VALIDATION, "sorted_words")
    catalog = Catalog(ws.registry)
    assert "another process's edit" in ws.registry.tools["sorted_words"].code
    assert not catalog.trusted("sorted_words") and "sorted_words" not in catalog.tools()
    assert "word_sorting" in catalog.tools()
