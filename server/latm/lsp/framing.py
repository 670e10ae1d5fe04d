"""The stdio transport: LSP frames read from stdin with limits, handed to pygls' protocol.

pygls 2.1.1's reader (``pygls.io_.run_async``) trusts ``Content-Length``: a huge one makes it
allocate that much and die, a wrong one desynchronises the stream for good (every later message
is read as the wrong bytes, so nothing is answered again), and a message whose params fail the
schema gets no response at all. This reader refuses a frame over ``MAX_FRAME_BYTES``, gives up
on a body that stops arriving for ``STALL_S``, finds the next header again after garbage, and
answers every request it cannot handle with a JSON-RPC error (``id`` null when the request's id
cannot be read), as JSON-RPC 2.0 asks.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import threading
from dataclasses import dataclass
from typing import Any, AsyncIterator, BinaryIO, Optional, Union

from cattrs import ClassValidationError, transform_error
from pygls.exceptions import JsonRpcException
from pygls.io_ import StdoutWriter
from pygls.lsp.server import LanguageServer

log = logging.getLogger(__name__)

MAX_FRAME_BYTES = 64 * 1024 * 1024  # above any document an editor sends (VS Code syncs up to 50 MB)
MAX_HEADER_BYTES = 8 * 1024
STALL_S = 10.0  # a body whose bytes stop this long is a lie about its length
CHUNK = 64 * 1024
PARSE_ERROR, INVALID_REQUEST = -32700, -32600
# A header line, possibly at the end of garbage: a raw newline never occurs inside a JSON string,
# so this cannot match inside a body.
_LENGTH = re.compile(rb"content-length:[ \t]*(\d{1,18})[ \t]*\r?\n\Z", re.I)
_HEADER = re.compile(rb"[\w-]+:[^\r\n]*\r?\n\Z")


@dataclass(frozen=True)
class Frame:
    body: bytes


@dataclass(frozen=True)
class Refused:
    """A frame that could not be read whole; ``body`` is what arrived of it."""

    reason: str
    body: bytes = b""


class _Stdin:
    """stdin read in a daemon thread, one chunk when asked (a flood waits in the pipe, and a
    read still blocked at exit does not keep the process alive)."""

    def __init__(self, fd: int, loop: asyncio.AbstractEventLoop) -> None:
        self._fd, self._loop = fd, loop
        self._chunks: asyncio.Queue[bytes] = asyncio.Queue()
        self._wanted = threading.Semaphore(0)
        self._asked = False
        threading.Thread(target=self._pump, name="latm-stdin", daemon=True).start()

    def _pump(self) -> None:
        chunk = b"-"
        while chunk:
            self._wanted.acquire()
            try:
                chunk = os.read(self._fd, CHUNK)
            except OSError:
                chunk = b""
            try:
                self._loop.call_soon_threadsafe(self._chunks.put_nowait, chunk)
            except RuntimeError:  # the loop is closed: the server is gone
                return

    async def read(self, timeout: Optional[float] = None) -> Optional[bytes]:
        """The next chunk; ``b""`` at the end of input; None if nothing came within ``timeout``."""
        if not self._asked:
            self._wanted.release()
            self._asked = True
        try:
            chunk = await asyncio.wait_for(self._chunks.get(), timeout)
        except asyncio.TimeoutError:
            return None
        self._asked = False
        return chunk


class _Frames:
    def __init__(self, stdin: _Stdin) -> None:
        self._stdin = stdin
        self._buf = bytearray()
        self._ended = False

    async def _more(self, timeout: Optional[float] = None) -> bool:
        """Append a chunk; False at the end of input or after ``timeout``."""
        if self._ended:
            return False
        chunk = await self._stdin.read(timeout)
        self._ended = chunk == b""
        if chunk:
            self._buf += chunk
        return bool(chunk)

    async def _line(self) -> Optional[bytes]:
        """The next line (a long one: only its tail, where a header may follow garbage); None at the end."""
        searched = 0
        while (end := self._buf.find(b"\n", searched)) < 0:
            searched = len(self._buf)
            if searched > MAX_HEADER_BYTES:  # keep room for a header glued to the end of garbage
                del self._buf[: searched - MAX_HEADER_BYTES]
                searched = MAX_HEADER_BYTES
            if not await self._more():
                return None
        line = bytes(self._buf[: end + 1])
        del self._buf[: end + 1]
        return line

    async def frames(self) -> AsyncIterator[Union[Frame, Refused]]:
        length, junk = None, False
        while (line := await self._line()) is not None:
            match = _LENGTH.search(line, max(0, len(line) - MAX_HEADER_BYTES))
            if match and match.start() == 0 or not match and _HEADER.match(line):
                length = int(match.group(1)) if match else length
            elif line.strip() == b"" and length is not None:
                yield await self._body(length)
                length, junk = None, False
            else:  # garbage, perhaps with the next header at its end
                if not junk:
                    log.warning("skipping input that is not an LSP header: %r", line[:80])
                junk, length = True, int(match.group(1)) if match else None

    async def _body(self, length: int) -> Union[Frame, Refused]:
        if length > MAX_FRAME_BYTES:
            return Refused(f"refused a message of {length} bytes (the limit is {MAX_FRAME_BYTES}); it was skipped")
        while len(self._buf) < length:
            if not await self._more(STALL_S):
                got = bytes(self._buf)
                self._buf.clear()
                return Refused(f"a message said it had {length} bytes but only {len(got)} came, "
                               f"then nothing for {STALL_S:g} s; it was dropped", got)
        body = bytes(self._buf[:length])
        del self._buf[:length]
        return Frame(body)


def serve_stdio(server: LanguageServer, stdin: BinaryIO, stdout: BinaryIO) -> None:
    """``server.start_io`` with this reader: until the input ends or the client says ``exit``."""
    server._stop_event = threading.Event()  # pygls' shutdown() sets it
    server.protocol.set_writer(StdoutWriter(stdout))
    try:
        asyncio.run(_serve(server, stdin.fileno()))
    except BrokenPipeError:
        log.error("the connection to the client is lost; stopping")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()


async def _serve(server: LanguageServer, fd: int) -> None:
    frames = _Frames(_Stdin(fd, asyncio.get_running_loop()))
    async for item in frames.frames():
        if isinstance(item, Refused):
            log.warning("%s", item.reason)
            _reply_error(server, _request_id(item.body), INVALID_REQUEST, item.reason)
        else:
            _handle(server, item.body)
        if server._stop_event.is_set():
            break


def _handle(server: LanguageServer, body: bytes) -> None:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as err:
        log.warning("a message that is not JSON: %s", err)
        _reply_error(server, None, PARSE_ERROR, f"The message is not JSON (or nested too deep): {err}")
        return
    if not isinstance(data, dict):
        _reply_error(server, None, INVALID_REQUEST, f"A message must be a JSON object, got {type(data).__name__}")
        return
    protocol = server.protocol
    try:
        message = protocol.structure_message(data)
    except JsonRpcException as err:
        _refuse_message(server, data, err)
        return
    try:
        protocol.handle_message(message)
    except Exception as err:  # as pygls' own reader does: report it and read on
        log.exception("unable to handle a message")
        server._report_server_error(err, JsonRpcException)


def _refuse_message(server: LanguageServer, data: dict, err: JsonRpcException) -> None:
    """A message whose params do not fit its method: a request gets the error, a notification a log line."""
    method = data.get("method")
    text = f"{method}: the params do not fit the method's schema" if method else "a malformed message"
    cause = err.__cause__
    reasons = transform_error(cause) if isinstance(cause, ClassValidationError) else [str(cause or err)]
    detail = f"{text}: {'; '.join(reasons)}"
    if "id" in data and method:
        log.info("refused request %r: %s", data["id"], detail)
        _reply_error(server, data["id"], err.code, detail)
    else:
        log.warning("ignored %s", detail)


def _request_id(body: bytes) -> Any:
    """The id of the request ``body`` holds, if it can be read whole; otherwise None."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return data.get("id") if isinstance(data, dict) and "method" in data else None


def _reply_error(server: LanguageServer, msg_id: Any, code: int, message: str) -> None:
    server.protocol._send_data({"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}})
