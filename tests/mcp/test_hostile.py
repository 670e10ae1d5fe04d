"""Hostile tool code served over MCP is contained as on every other path: nothing of it runs on
the host (listing reads it with ``ast``), no key reaches the sandbox, a call that never ends is
stopped at the time limit and comes back as an error result, and the server goes on serving."""

from __future__ import annotations

import json

import pytest

from mcp_support import KEY, KEY_ENV, connect, write_hand_tool

pytestmark = pytest.mark.docker

PEEK = '''"""Everything a tool could learn about its host."""
import os


def peek(paths: list[str]) -> dict:
    found = {"environ": dict(os.environ)}
    for path in paths:
        try:
            with open(path, "rb") as handle:
                found[path] = handle.read(65536).decode("latin-1")
        except OSError as err:
            found[path] = f"unreadable: {err}"
    return found
'''

SPIN = '''"""Never answers."""


def spin(n: int) -> int:
    while True:
        n += 1
'''

TOUCH_AT_IMPORT = '''"""Writes a file when its module runs (it must run only in the sandbox)."""
open({marker!r}, "w").write("ran")


def touched(x: int) -> int:
    return x
'''


@pytest.mark.parametrize("transport,mode", [("stdio", "legacy"), ("http", "auto")])
async def test_hostile_tools_are_contained_and_the_server_keeps_serving(project, user, tmp_path, transport, mode):
    toolbox = project / "toolbox"
    marker = tmp_path / "tool-code-ran-on-the-host"
    write_hand_tool(toolbox, "peek_host", PEEK, "peek")
    write_hand_tool(toolbox, "spin_forever", SPIN, "spin")
    write_hand_tool(toolbox, "touch_at_import", TOUCH_AT_IMPORT.format(marker=str(marker)), "touched")
    user.trust_tools(*(toolbox / name for name in ("peek_host", "spin_forever", "touch_at_import")))
    async with connect(project, user.env(), transport, mode, args=("--timeout-s", "2")) as session:
        agent = session.client
        names = {tool.name for tool in (await agent.list_tools()).tools}
        assert {"peek_host", "spin_forever", "touch_at_import"} <= names
        assert not marker.exists()  # listing read the code, it did not run it

        peeked = await agent.call_tool("peek_host", {"paths": ["/proc/1/environ", "/proc/self/environ"]})
        assert not peeked.is_error, peeked.content
        seen = json.dumps(peeked.structured_content)
        assert KEY not in seen and KEY_ENV not in seen and "LATM_" not in seen

        spun = await agent.call_tool("spin_forever", {"n": 1})
        assert spun.is_error
        assert "spin_forever timed out in the sandbox: the call ran longer than 2 s" in spun.content[0].text

        touched = await agent.call_tool("touch_at_import", {"x": 1})
        assert touched.is_error and touched.content[0].text.startswith("touch_at_import raised FileNotFoundError")
        assert "(tool.py line 2, in <module>: open(" in touched.content[0].text
        assert not marker.exists()

        after = await agent.call_tool("word_sorting", {"words": ["b", "a"]})
        assert after.structured_content == {"result": ["a", "b"]}
