"""A tool with packages over the other front ends: the language server (make with LSP progress
that shows the image being built, then solve) and MCP (an agent calls the tool)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lsp"))

from model_support import TEST_KEY, TEST_KEY_ENV  # noqa: E402
from latm.make import make_tool  # noqa: E402
from lsp_support import llm_env, server_env, start_editor, stop_editor  # noqa: E402
from packages_support import ROMAN, remove_images_of  # noqa: E402
from sandbox_settings import clean_env  # noqa: E402

pytestmark = pytest.mark.docker
WAIT_S = 300


async def test_make_over_lsp_reports_the_image_build_and_the_tool_solves(tmp_path, scripted_llm):
    root = tmp_path / "project"
    (root / "toolbox").mkdir(parents=True)
    scripted_llm.push(*ROMAN.script())
    remove_images_of("roman")
    editor = await start_editor(root, env=server_env(**llm_env(scripted_llm.url, LATM_ALLOWED_PACKAGES="roman")))
    try:
        notes = "\n\n".join(f"Question: {e.question}\nAnswer: {e.answer}" for e in ROMAN.examples)
        doc = editor.open(root / "notes.md", notes + "\n")
        made = await editor.command("latm.makeTool", {"uri": doc, "name": ROMAN.name, "range": {
            "start": {"line": 0, "character": 0}, "end": {"line": len(notes.splitlines()), "character": 0}}})
        assert made["verified"] is True and made["sandbox"] == "docker"
        said = [getattr(r, "message", None) or getattr(r, "title", "") or ""
                for reports in editor.client.progress_reports.values() for r in reports]
        assert any("building latm-sandbox" in m for m in said), said
        assert "propose 1/3" in said and "write" in said

        asked = editor.open(root / "question.md", "Question: Write the number 2026 in Roman numerals.\n")
        solved = await editor.command("latm.solve", {"uri": asked, "tool": ROMAN.name, "range": {
            "start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 50}}})
        assert solved["answer"] == "MMXXVI" and solved["path"] == "parser"
    finally:
        await stop_editor(editor)


def test_an_agent_calls_a_tool_with_packages_over_mcp(tmp_path, scripted_llm, make_workspace):
    ws = make_workspace(allowed=["roman"])
    scripted_llm.push(*ROMAN.script())
    make_tool(ws, ROMAN.examples, ROMAN.name)
    env = clean_env(LATM_SANDBOX="docker", LATM_ALLOWED_PACKAGES="roman", HOME=str(tmp_path / "home"),
                    **{TEST_KEY_ENV: TEST_KEY})
    frames = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw-pipe", "version": "1"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized", "params": {}},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": ROMAN.name, "arguments": {"number": 1666}}},
    ]
    server = subprocess.Popen([sys.executable, "-m", "latm", "mcp", "--root", str(ws.root)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    server.stdin.write("".join(json.dumps(f) + "\n" for f in frames))
    server.stdin.flush()
    answers = {}
    while 2 not in answers:
        line = server.stdout.readline()
        assert line, "the server closed stdout before answering"
        message = json.loads(line)
        answers[message.get("id")] = message
    server.stdin.close()
    assert server.wait(WAIT_S) == 0
    result = answers[2]["result"]
    assert not result.get("isError"), result
    assert "MDCLXVI" in json.dumps(result)
