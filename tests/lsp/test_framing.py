"""The wire itself: raw bytes to ``python -m latm serve`` over stdio. A malformed message gets an
error response and the server goes on answering; nothing a client sends makes it hang or die."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path
from typing import Any, Optional

import pytest
from lsp_support import WAIT_S, server_env, uri

from latm.lsp.framing import MAX_FRAME_BYTES


def frame(message: Any) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


def request(msg_id: int, method: str, params: Any = None) -> dict:
    return {"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params}


class RawClient:
    """A client that writes whatever bytes a test gives it and reads the server's frames."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.stderr = bytearray()
        self._drain = asyncio.ensure_future(self._read_stderr())

    @classmethod
    async def start(cls, root: Path) -> "RawClient":
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "latm", "serve", "--root", str(root), cwd=str(root), env=server_env(),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        client = cls(process)
        await client.send(request(0, "initialize", {"processId": None, "rootUri": uri(root), "capabilities": {}}))
        assert "capabilities" in (await client.answer(0))["result"]
        await client.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        return client

    async def _read_stderr(self) -> None:
        while chunk := await self.process.stderr.read(65536):
            self.stderr += chunk

    async def write(self, data: bytes) -> None:
        self.process.stdin.write(data)
        await self.process.stdin.drain()

    async def send(self, message: Any) -> None:
        await self.write(frame(message))

    async def _message(self) -> dict:
        length = None
        while (line := await self.process.stdout.readline()) not in (b"\r\n", b""):
            if match := re.match(rb"Content-Length: (\d+)\r\n", line):
                length = int(match.group(1))
        assert line and length is not None, f"the server closed its output; its log:\n{self.log()}"
        return json.loads(await self.process.stdout.readexactly(length))

    async def answer(self, msg_id: Optional[int]) -> dict:
        """The next response with id ``msg_id`` (notifications and server requests are skipped)."""

        async def find() -> dict:
            while True:
                message = await self._message()
                if "method" not in message and message.get("id") == msg_id:
                    return message

        try:
            return await asyncio.wait_for(find(), WAIT_S)
        except asyncio.TimeoutError:
            raise AssertionError(f"no answer to {msg_id} in {WAIT_S:g}s; the server log:\n{self.log()}") from None

    async def still_serving(self, msg_id: int) -> None:
        await self.send(request(msg_id, "workspace/executeCommand", {"command": "latm.listTools", "arguments": [{}]}))
        assert "tools" in (await self.answer(msg_id))["result"]

    def log(self) -> str:
        return self.stderr.decode(errors="replace")

    async def logged(self, pattern: str) -> None:
        """Wait for a line of the server's log (stderr is its own pipe: it may lag behind stdout)."""
        deadline = asyncio.get_running_loop().time() + WAIT_S
        while not re.search(pattern, self.log()):
            assert asyncio.get_running_loop().time() < deadline, f"{pattern!r} not in the log:\n{self.log()}"
            await asyncio.sleep(0.05)

    async def close(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
        await self.process.wait()
        await self._drain


@pytest.fixture
async def raw(root: Path):
    client = await RawClient.start(root)
    yield client
    await client.close()


async def test_params_that_fail_the_schema_get_an_invalid_params_error(raw):
    await raw.send(request(7, "textDocument/hover", {"textDocument": 5, "position": {"line": "x"}}))
    error = (await raw.answer(7))["error"]
    assert error["code"] == -32602 and "textDocument/hover" in error["message"], error
    await raw.send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": []}})
    await raw.still_serving(8)  # a bad notification gets no answer (none is allowed) and breaks nothing
    await raw.logged("ignored textDocument/didOpen: the params do not fit")


async def test_a_huge_content_length_is_refused_and_the_server_goes_on(raw):
    await raw.write(b"Content-Length: 99999999999999\r\n\r\n" + json.dumps(request(9, "shutdown")).encode())
    error = (await raw.answer(None))["error"]
    assert error["code"] == -32600 and "99999999999999 bytes" in error["message"], error
    assert f"limit is {MAX_FRAME_BYTES}" in error["message"]
    await raw.still_serving(10)
    await raw.logged("refused a message of 99999999999999 bytes")


async def test_a_length_shorter_than_the_body_is_a_parse_error_then_the_stream_recovers(raw):
    body = json.dumps(request(11, "workspace/executeCommand", {"command": "latm.listTools"})).encode()
    await raw.write(b"Content-Length: 20\r\n\r\n" + body)
    error = (await raw.answer(None))["error"]
    assert error["code"] == -32700, error
    await raw.still_serving(12)


async def test_a_length_longer_than_the_body_is_answered_when_the_bytes_stop(raw):
    body = json.dumps(request(13, "workspace/executeCommand", {"command": "latm.listTools"})).encode()
    await raw.write(b"Content-Length: %d\r\n\r\n%s" % (len(body) + 500, body))
    error = (await raw.answer(13))["error"]  # the request is known, so its own id gets the error
    assert error["code"] == -32600 and f"{len(body) + 500} bytes" in error["message"], error
    await raw.still_serving(14)
    await raw.logged("only [0-9]+ came, then nothing")


async def test_a_longer_length_that_swallows_the_next_message_recovers_after_it(raw):
    first = json.dumps(request(15, "workspace/executeCommand", {"command": "latm.listTools"})).encode()
    await raw.write(b"Content-Length: %d\r\n\r\n%s" % (len(first) + 30, first) + frame(request(16, "shutdown")))
    error = (await raw.answer(None))["error"]
    assert error["code"] == -32700, error
    await raw.still_serving(17)


@pytest.mark.parametrize("junk", [
    b"Content-Length: abc\r\n\r\n{}",  # no number
    b"\r\n\r\n",  # a blank line alone
    b"X" * (3 * 1024 * 1024) + b"\r\n",  # a header line of 3 MB
    b"Content-Length: 2\r\n\r\n[]",  # JSON, but not an object
    b"Content-Length: 1\r\n\r\n5",
    b"Content-Length: 200000\r\n\r\n" + b"[" * 100000 + b"]" * 100000,  # nested too deep to parse
], ids=["no_number", "blank_lines", "3mb_line", "json_array", "json_number", "deep_json"])
async def test_junk_between_messages_is_skipped(raw, junk):
    await raw.write(junk)
    await raw.still_serving(18)
