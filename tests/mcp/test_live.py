"""A tool folder added on disk reaches connected agents without a restart: the watcher reloads
it, and the server announces the new tool list (``notifications/tools/list_changed`` on a
handshake-era connection, a ``subscriptions/listen`` event on a 2026-era one)."""

from __future__ import annotations

import anyio
import mcp_types as types
import pytest
from mcp.client.subscriptions import ToolsListChanged

from mcp_support import COMBINATIONS, WAIT_S, connect, write_hand_tool

DOCKER = pytest.mark.docker

WORD_COUNT = '''"""Count the words of a sentence."""


def count_words(sentence: str) -> int:
    """Return how many words ``sentence`` has."""
    return len(sentence.split())
'''


def add_tools(toolbox, user) -> None:
    """Two tools appear; the verified one the user read and trusted before it was moved in."""
    write_hand_tool(toolbox, "draft_tool", WORD_COUNT.replace("count_words", "draft"), "draft", verified=False)
    scratch = write_hand_tool(toolbox.parent / "scratch", "count_words", WORD_COUNT, "count_words")
    user.trust_tools(scratch, as_folder=toolbox / "count_words")
    scratch.rename(toolbox / "count_words")


async def see_the_new_tool(agent) -> None:
    listed = {tool.name: tool for tool in (await agent.list_tools()).tools}
    assert "count_words" in listed and "draft_tool" not in listed  # only verified tools are offered
    assert listed["count_words"].input_schema["properties"] == {"sentence": {"type": "string"}}
    counted = await agent.call_tool("count_words", {"sentence": "the cat sat"})
    assert counted.structured_content == {"result": 3}
    offered = {t["name"]: t["offered"] for t in (await agent.call_tool("latm_list", {})).structured_content["tools"]}
    assert offered["draft_tool"] is False and offered["count_words"] is True


@DOCKER
@pytest.mark.parametrize("transport,mode", [c for c in COMBINATIONS if c[1] == "legacy"])
async def test_a_handshake_client_is_told_the_tools_changed(project, user, transport, mode):
    changed = anyio.Event()

    async def on_message(message) -> None:
        if isinstance(message, types.ToolListChangedNotification):
            changed.set()

    async with connect(project, user.env(), transport, mode, message_handler=on_message) as session:
        assert session.client.server_capabilities.tools.list_changed
        assert "count_words" not in {t.name for t in (await session.client.list_tools()).tools}
        add_tools(project / "toolbox", user)
        with anyio.fail_after(WAIT_S):
            await changed.wait()
        await see_the_new_tool(session.client)


@DOCKER
@pytest.mark.parametrize("transport,mode", [c for c in COMBINATIONS if c[1] == "auto"])
async def test_a_listening_2026_client_gets_the_change_event(project, user, transport, mode):
    async with connect(project, user.env(), transport, mode) as session:
        assert "count_words" not in {t.name for t in (await session.client.list_tools()).tools}
        async with session.client.listen(tools_list_changed=True) as subscription:
            add_tools(project / "toolbox", user)
            with anyio.fail_after(WAIT_S):
                event = await subscription.__anext__()
            assert isinstance(event, ToolsListChanged)
        await see_the_new_tool(session.client)


async def test_a_client_that_leaves_is_forgotten(project, user, monkeypatch):
    """In process (the SDK's in-memory transport): a closed connection leaves no trace behind."""
    from mcp import Client

    monkeypatch.setenv("XDG_STATE_HOME", user.env()["XDG_STATE_HOME"])  # where the user's trust is

    from latm.mcp.server import ToolboxServer
    from latm.workspace import Workspace

    ws = Workspace.open(project, flags={"sandbox": "process"})
    front = ToolboxServer(ws)
    try:
        for _ in range(3):
            async with Client(front.server, mode="legacy") as agent:
                assert "word_sorting" in {t.name for t in (await agent.list_tools()).tools}
                assert front.announcer.connected == 1
            assert front.announcer.connected == 0
    finally:
        front.close()
        ws.close()
