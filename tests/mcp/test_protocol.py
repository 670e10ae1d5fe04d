"""An agent's session with ``latm mcp`` through the SDK's own client, over stdio and streamable HTTP,
in both protocol eras, against the real Docker sandbox: discover, call, solve, err, read, count."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from jsonschema import Draft202012Validator
from mcp.shared.exceptions import MCPError
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS

from mcp_support import COMBINATIONS, COMMITTED, connect

pytestmark = pytest.mark.docker
OWN = ["latm_list", "latm_solve"]
CRT_CONGRUENCES = [[41, 17], [107, 42], [271, 260]]


def crt_by_search(limit: int, congruences: list[list[int]]) -> int:
    return next(x for x in range(1, limit + 1) if all(x % m == r for m, r in congruences))


@pytest.mark.parametrize("transport,mode", COMBINATIONS)
async def test_an_agent_discovers_calls_solves_and_reads_the_toolbox(project, user, transport, mode):
    async with connect(project, user.env(), transport, mode) as session:
        agent = session.client
        assert (agent.protocol_version in HANDSHAKE_PROTOCOL_VERSIONS) == (mode == "legacy")
        listed = {tool.name: tool for tool in (await agent.list_tools()).tools}
        assert sorted(listed) == sorted(OWN + list(COMMITTED))  # latm_make is off unless the user turns it on
        for tool in listed.values():
            Draft202012Validator.check_schema(tool.input_schema)
            assert tool.input_schema["type"] == "object"
            if tool.output_schema is not None:
                Draft202012Validator.check_schema(tool.output_schema)
        assert listed["word_sorting"].input_schema["properties"]["words"] == {"type": "array", "items": {"type": "string"}}
        assert listed["word_sorting"].input_schema["required"] == ["words"]
        assert "Example: for the question" in listed["dyck_languages"].description
        assert "Returns: int" in listed["chinese_remainder_theorem"].description

        calls = {
            "word_sorting": ({"words": ["pear", "apple", "fig"]}, ["apple", "fig", "pear"]),
            "dyck_languages": ({"tokens": "( [ { < > }".split()}, ["]", ")"]),
            "chinese_remainder_theorem": ({"limit": 1188877, "congruences": CRT_CONGRUENCES},
                                          crt_by_search(1188877, CRT_CONGRUENCES)),
        }
        for name, (arguments, expected) in calls.items():
            result = await agent.call_tool(name, arguments)
            assert not result.is_error, result.content
            assert result.structured_content == {"result": expected}
            assert json.loads(result.content[0].text) == {"result": expected}

        routed = await agent.call_tool("latm_solve", {"question": "Sort the following words alphabetically: List: pear apple fig"})
        assert not routed.is_error, routed.content
        assert routed.structured_content["answer"] == "apple fig pear"
        assert (routed.structured_content["tool"], routed.structured_content["path"]) == ("word_sorting", "parser")
        assert routed.structured_content["tokens"] == 0 and routed.structured_content["chosen"].startswith("routed")
        named = await agent.call_tool("latm_solve", {
            "question": "Complete the rest of the sequence, making sure that the parentheses are closed properly. "
                        "Input: ( [ {", "tool": "dyck_languages"})
        assert not named.is_error, named.content
        assert named.structured_content["answer"] == "} ] )"
        assert (named.structured_content["tool"], named.structured_content["chosen"]) == ("dyck_languages", "named by the caller")

        wrong_type = await agent.call_tool("word_sorting", {"words": "pear apple"})
        assert wrong_type.is_error and "'words'" in wrong_type.content[0].text and "not of type 'array'" in wrong_type.content[0].text
        missing = await agent.call_tool("chinese_remainder_theorem", {"limit": 10})
        assert missing.is_error and "'congruences' is a required property" in missing.content[0].text
        extra = await agent.call_tool("dyck_languages", {"tokens": ["("], "verbose": True})
        assert extra.is_error and "'verbose' was unexpected" in extra.content[0].text
        raised = await agent.call_tool("dyck_languages", {"tokens": ["(", "]"]})
        assert raised.is_error and raised.content[0].text.startswith(
            "dyck_languages raised ValueError: unbalanced closing bracket ']' (tool.py line 18, in complete_dyck: raise")
        unsolved = await agent.call_tool("latm_solve", {"question": "What is the capital of Mongolia?", "tool": "no_such_tool"})
        assert unsolved.is_error and "no_such_tool" in unsolved.content[0].text
        with pytest.raises(MCPError, match="No tool named 'no_such_tool'"):
            await agent.call_tool("no_such_tool", {})
        still = await agent.call_tool("word_sorting", {"words": ["b", "a"]})
        assert still.structured_content == {"result": ["a", "b"]}  # the server went on serving

        resources = {r.uri: r for r in (await agent.list_resources()).resources}
        assert sorted(resources) == [f"latm://tool/{name}" for name in COMMITTED]
        read = await agent.read_resource("latm://tool/word_sorting")
        by_uri = {c.uri: c for c in read.contents}
        assert by_uri["latm://tool/word_sorting/tool.py"].text == (project / "toolbox/word_sorting/tool.py").read_text()
        assert 'entry = "sort_words"' in by_uri["latm://tool/word_sorting/tool.toml"].text
        with pytest.raises(MCPError, match="No tool named 'nothing_here'"):
            await agent.read_resource("latm://tool/nothing_here")

        listing = (await agent.call_tool("latm_list", {})).structured_content
        uses = {t["name"]: t["uses"] for t in listing["tools"]}
        assert uses == {"word_sorting": 3, "dyck_languages": 2, "chinese_remainder_theorem": 1}
        assert all(t["offered"] for t in listing["tools"]) and listing["broken"] == []
        assert "Traceback" not in session.stderr()

    stats = json.loads(subprocess.run([sys.executable, "-m", "latm", "stats", "--json", "--root", str(project)],
                                      capture_output=True, text=True, check=True, env=user.env()).stdout)
    by_tool = {t["name"]: t["by_path"] for t in stats["tools"]}
    assert by_tool["word_sorting"] == {"parser": 1, "user_model": 0, "mcp": 2}
    assert by_tool["dyck_languages"] == {"parser": 1, "user_model": 0, "mcp": 1}
    assert stats["by_path"] == {"mcp": 4, "parser": 2}
