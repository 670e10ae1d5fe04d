"""``latm_make`` spends the maker model's money, so it is offered only when the user's own
settings turn it on: absent by default, absent when a project config asks for it. Turned on, an
agent makes a tool from solved examples (the scripted maker over the real openai SDK, every piece
of model code in the real Docker sandbox), sees the progress, and can cancel."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import anyio
import mcp_types as types
import pytest
from mcp.shared.exceptions import MCPError

sys.path[:0] = [str(Path(__file__).resolve().parents[1] / "lsp"), str(Path(__file__).resolve().parents[1])]

from families import WORD_SORTING, split  # noqa: E402
from lsp_support import bbh_family, examples_markdown, maker_responder  # noqa: E402
from mcp_support import WAIT_S, connect  # noqa: E402
from scripted_llm import Delay, ScriptedLLM  # noqa: E402

pytestmark = pytest.mark.docker
TRAIN, VALIDATION, TEST = split("word_sorting")


async def tool_names(agent) -> set[str]:
    return {tool.name for tool in (await agent.list_tools()).tools}


async def test_latm_make_is_absent_unless_the_user_turns_it_on_and_a_project_cannot(project, user):
    (project / "latm.toml").write_text("mcp_make = true\n", encoding="utf-8")
    async with connect(project, user.env()) as session:
        assert "latm_make" not in await tool_names(session.client)
        with pytest.raises(MCPError, match="No tool named 'latm_make'"):
            await session.client.call_tool("latm_make", {"name": "x", "examples": "Q: a\nA: b"})
        said = session.stderr()
    assert f"latm setting 'mcp_make' ({project / 'latm.toml'}): ignored: only your own settings may" in said

    user.configure("mcp_make = true\n")
    async with connect(project, user.env()) as session:
        assert "latm_make" in await tool_names(session.client)


async def test_an_agent_makes_a_tool_with_progress_and_then_uses_it(project, user):
    user.configure("mcp_make = true\n")
    reports: list[tuple[float, float, str]] = []
    changed = anyio.Event()

    async def on_progress(progress: float, total, message) -> None:
        reports.append((progress, total, message))

    async def on_message(message) -> None:
        if isinstance(message, types.ToolListChangedNotification):
            changed.set()

    examples = examples_markdown("word_sorting")
    with ScriptedLLM(respond=maker_responder(bbh_family(WORD_SORTING))) as llm:
        async with connect(project, user.env(LATM_BASE_URL=llm.url), message_handler=on_message) as session:
            agent = session.client
            made = await agent.call_tool("latm_make", {"name": "sorted_words", "examples": examples},
                                         progress_callback=on_progress)
            assert not made.is_error, made.content
            made_record = made.structured_content
            assert made_record["verified"] is True and (made_record["passed"], made_record["total"]) == (9, 9)
            assert made_record["sandbox"] == "docker"
            assert made.structured_content["parser"] is True and made.structured_content["tokens_in"] > 0
            with anyio.fail_after(WAIT_S):
                await changed.wait()
            assert "sorted_words" in await tool_names(agent)
            words = TEST[0].question.split("List:", 1)[1].split()
            called = await agent.call_tool("sorted_words", {"words": words})
            assert called.structured_content == {"result": sorted(words)}, called.content
            again = await agent.call_tool("latm_make", {"name": "sorted_words", "examples": examples})
            assert again.is_error and "latm_make never replaces one" in again.content[0].text
    assert not llm.unexpected and len(llm.chat_requests()) == 4  # propose, tests, wrap, parser; none for the refusal
    messages = [message for _, _, message in reports]
    for stage in ("propose 1/3", "verify 1/3", "wrap", "parser 1/3", "write"):
        assert stage in messages, messages
    values = [progress for progress, _, _ in reports]
    assert values == sorted(set(values)) and all(total == 100.0 for _, total, _ in reports)


async def test_a_cancelled_make_writes_nothing_and_the_server_goes_on(project, user):
    asked = threading.Event()
    respond = maker_responder(bbh_family(WORD_SORTING))

    def slow_maker(messages, model):
        asked.set()
        return Delay(WAIT_S * 2, respond(messages, model))

    user.configure("mcp_make = true\n")
    examples = [{"question": e.question, "answer": e.answer} for e in TRAIN + VALIDATION]
    failed = project / ".latm" / "failed"
    with ScriptedLLM(respond=slow_maker) as llm:
        async with connect(project, user.env(LATM_BASE_URL=llm.url)) as session:
            agent = session.client
            async with anyio.create_task_group() as group:
                group.start_soon(agent.call_tool, "latm_make", {"name": "sorted_words", "examples": examples})
                await anyio.to_thread.run_sync(asked.wait, WAIT_S)  # the maker is thinking
                group.cancel_scope.cancel()  # the client sends notifications/cancelled
            with anyio.fail_after(WAIT_S):
                while not (failed.is_dir() and any(failed.glob("sorted_words-*.json"))):
                    await anyio.sleep(0.1)  # until the make has stopped and said why
            record = next(failed.glob("sorted_words-*.json")).read_text()
            assert "Cancelled" in record and '"stage": "propose"' in record
            assert not (project / "toolbox" / "sorted_words").exists()
            assert "sorted_words" not in await tool_names(agent)
            listed = await agent.call_tool("latm_list", {})
            assert not listed.is_error and "sorted_words" not in [t["name"] for t in listed.structured_content["tools"]]
    assert not llm.unexpected and len(llm.chat_requests()) == 1


def test_only_the_users_own_settings_turn_mcp_make_on(tmp_path, user):
    from latm import trust
    from latm.settings import load_settings

    root = tmp_path / "repo"
    root.mkdir()
    config = root / "latm.toml"
    environ = {"HOME": str(user.home), "XDG_CONFIG_HOME": str(user.home / "config"),
               "XDG_STATE_HOME": str(user.home / "state")}

    def mcp_make(**extra: str) -> tuple[bool, list[str]]:
        settings, problems = load_settings(root, environ=environ | extra)
        return settings.mcp_make, [p.key for p in problems]

    assert mcp_make() == (False, [])
    config.write_text("mcp_make = true\n")
    assert mcp_make() == (False, ["mcp_make"])
    trust.trust(config, trust.sha256(config.read_bytes()), environ)
    assert mcp_make() == (False, ["mcp_make"])  # trusting the file does not let it spend the user's money
    assert mcp_make(LATM_MCP_MAKE="1") == (True, [])  # the user's environment
    user.configure("mcp_make = true\n")
    assert mcp_make() == (True, [])  # the user's config; the project's agrees
    config.write_text("mcp_make = false\n")
    assert mcp_make() == (False, [])  # a project may turn it off
