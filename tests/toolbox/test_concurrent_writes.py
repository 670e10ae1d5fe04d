"""Writers of one tool take turns, across processes, and a write based on files that changed since
they were read is refused instead of undoing the change (issue 16, item 21). Every race is made
to happen at a chosen point: a progress callback or a paused second process, never a sleep."""

from __future__ import annotations

import subprocess

import pytest

from latm.make.verify import verify_tool
from latm.errors import ToolChanged, ToolboxError
from latm.settings import Settings
from latm.toolbox import store
from latm.workspace import Workspace
from toolbox_support import hidden_entries, paused_writer, python_with_latm

EDIT = "\n# edited by hand while latm verified the tool\n"


@pytest.fixture
def workspace(tmp_path, tool_files):
    store.write_tool(tmp_path / "toolbox", tool_files())
    ws = Workspace(tmp_path, Settings(sandbox="process"))
    yield ws
    ws.close()


def at_first_event(action):
    """A progress callback that runs ``action`` once, when the work has read the tool and started."""
    done = []

    def callback(_event):
        if not done:
            done.append(action())

    return callback


def test_an_edit_made_while_verify_runs_is_kept_and_verify_says_so(workspace):
    code = workspace.toolbox_dir / "adder" / "tool.py"

    def edit():
        with open(code, "a") as handle:
            handle.write(EDIT)

    with pytest.raises(ToolChanged, match=r"'adder' changed while latm was verifying it \(tool.py\); nothing was written"):
        verify_tool(workspace, "adder", progress=at_first_event(edit))
    assert code.read_text().endswith(EDIT)
    assert hidden_entries(workspace.toolbox_dir) == []
    assert workspace.registry.tools["adder"].state == "edited"  # the edit is seen, not hidden


def test_a_delete_while_verify_runs_is_not_undone(workspace):
    with pytest.raises(ToolChanged, match="was deleted while latm was verifying it"):
        verify_tool(workspace, "adder", progress=at_first_event(lambda: store.delete_tool(workspace.toolbox_dir, "adder")))
    assert not (workspace.toolbox_dir / "adder").exists()
    assert hidden_entries(workspace.toolbox_dir) == []


HOLDER = """
from pathlib import Path
from latm.toolbox import store
with store.tool_lock(Path(%r), "adder"):
    print("locked", flush=True)
    sys.stdin.readline()
"""


def test_one_writer_per_tool_across_processes(toolbox, tool_files):
    store.write_tool(toolbox, tool_files())
    holder = python_with_latm(HOLDER % str(toolbox), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline() == "locked\n"
        with pytest.raises(ToolboxError, match="Another latm process is changing the tool 'adder'"):
            with store.tool_lock(toolbox, "adder", wait_s=0):
                pass
        with store.tool_lock(toolbox, "other", wait_s=0):  # other tools are not held up
            pass
    finally:
        holder.stdin.write("release\n")
        holder.stdin.flush()
    assert holder.wait() == 0
    with store.tool_lock(toolbox, "adder", wait_s=0):
        pass


def test_two_processes_creating_the_same_tool_the_second_is_told(toolbox, tool_files):
    toolbox.mkdir()
    first = paused_writer(toolbox)  # creating 'adder', inside its lock
    seen = store.basis(toolbox / "adder", "making")  # what the second writer starts from: no tool
    first.stdin.write("go on\n")
    first.stdin.flush()
    assert first.wait() == 0
    created = {p.name: p.read_bytes() for p in (toolbox / "adder").iterdir()}
    with pytest.raises(ToolChanged, match="was created by another writer"):
        store.write_tool(toolbox, tool_files(summary="The second process's version."), based_on=seen)
    assert {p.name: p.read_bytes() for p in (toolbox / "adder").iterdir()} == created
    assert hidden_entries(toolbox) == []
