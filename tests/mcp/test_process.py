"""The ``latm mcp`` process: in stdio mode stdout carries the protocol and nothing else (startup
warnings and logs go to stderr) and the server ends cleanly when the client closes its stdin; an
address it cannot listen on is one clear line."""

from __future__ import annotations

import json
import socket
import subprocess

import pytest

from mcp_support import WAIT_S, command

pytestmark = pytest.mark.docker


def frame(id_: int | None, method: str, params: dict) -> str:
    message = {"jsonrpc": "2.0", "method": method, "params": params} | ({"id": id_} if id_ is not None else {})
    return json.dumps(message) + "\n"


def test_stdout_holds_only_protocol_messages(project, user, tmp_path):
    (project / "latm.toml").write_text('timeout_s = "soon"\n', encoding="utf-8")  # a warning at startup
    talk = "".join([
        frame(1, "initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                "clientInfo": {"name": "raw-pipe", "version": "1"}}),
        frame(None, "notifications/initialized", {}),
        frame(2, "tools/list", {}),
        frame(3, "tools/call", {"name": "word_sorting", "arguments": {"words": ["b", "a"]}}),
        frame(4, "tools/call", {"name": "word_sorting", "arguments": {"words": 7}}),
    ])
    log = tmp_path / "stderr.log"
    with open(log, "w") as errors:  # a file: a full stderr pipe would stall the server
        server = subprocess.Popen(command(project, "-v"), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=errors, text=True, env=user.env())
    server.stdin.write(talk)
    server.stdin.flush()
    messages = []
    while len([m for m in messages if "id" in m]) < 4:  # the answers, then the client leaves
        line = server.stdout.readline()
        assert line, "the server closed stdout before answering"
        messages.append(json.loads(line))  # every line is JSON
    server.stdin.close()
    assert server.wait(WAIT_S) == 0
    assert server.stdout.read() == ""
    stderr = log.read_text()
    assert all(m.get("jsonrpc") == "2.0" for m in messages)
    by_id = {m["id"]: m for m in messages if "id" in m}
    assert sorted(by_id) == [1, 2, 3, 4]
    assert by_id[1]["result"]["capabilities"]["tools"]["listChanged"] is True
    assert "word_sorting" in [t["name"] for t in by_id[2]["result"]["tools"]]
    assert by_id[3]["result"]["structuredContent"] == {"result": ["a", "b"]}
    assert by_id[4]["result"]["isError"] is True
    assert "latm setting 'timeout_s'" in stderr and "bad value" in stderr
    assert "serving 3 tools" in stderr


def test_a_port_it_cannot_listen_on_is_one_clear_line(project, user):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        done = subprocess.run(command(project, "--http", str(port)), capture_output=True, text=True, env=user.env(),
                              timeout=WAIT_S)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        f"latm: cannot listen on 127.0.0.1 port {port}: Address already in use; choose another "
        "--http PORT or --host"]
