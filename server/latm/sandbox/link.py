"""The host's end of a conversation with one sandbox worker.

A ``Link`` moves bytes (a Docker exec socket, or a subprocess's pipes); a ``WorkerSession`` speaks
the worker's framed protocol over it, one request at a time, matching replies by nonce and
skipping anything else. The framing is the module the worker runs too
(``latm.sandbox.recipe.protocol``).
"""

from __future__ import annotations

import collections
import os
import secrets
import select
import socket
import struct
import time
from typing import Optional

from latm.sandbox.recipe.protocol import PROTOCOL, FrameReader, encode_frame

STDERR_TAIL = 4096  # bytes of the worker's own stderr kept to explain a death


class LinkDown(Exception):
    """The worker is gone: the stream closed, or a send failed (``sent`` says whether the
    request left the host before that)."""

    def __init__(self, message: str, sent: bool) -> None:
        super().__init__(message)
        self.sent = sent


class LinkSilent(Exception):
    """The worker did not answer in time."""


class Link:
    def send(self, data: bytes) -> None:
        raise NotImplementedError

    def recv(self, timeout: float) -> bytes:
        """Worker stdout bytes; b"" at end of stream; raises LinkSilent after ``timeout``."""
        raise NotImplementedError

    def closed(self) -> bool:
        """True when the stream has already ended (checked without waiting)."""
        raise NotImplementedError

    def stderr_tail(self) -> str:
        return ""

    def close(self) -> None:
        raise NotImplementedError


class SocketLink(Link):
    """A Docker attach/exec socket without a TTY: stdout and stderr arrive multiplexed in
    8-byte-headed chunks (stream id, size)."""

    def __init__(self, sock) -> None:
        self._keep = sock  # the SDK object; dropping it may close the connection
        self.sock = getattr(sock, "_sock", sock)
        self.raw = b""
        self.err = collections.deque(maxlen=STDERR_TAIL)

    def send(self, data: bytes) -> None:
        self.sock.settimeout(None)
        self.sock.sendall(data)

    def recv(self, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        while True:
            out = self._demux()
            if out is not None:
                return out
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LinkSilent()
            self.sock.settimeout(remaining)
            try:
                data = self.sock.recv(1 << 16)
            except (socket.timeout, TimeoutError):
                raise LinkSilent() from None
            except OSError:
                return b""
            if not data:
                return b""
            self.raw += data

    def _demux(self) -> Optional[bytes]:
        """The stdout bytes of the first whole chunks buffered, or None when there are none."""
        out = bytearray()
        while len(self.raw) >= 8:
            stream, size = struct.unpack(">BxxxL", self.raw[:8])
            if len(self.raw) < 8 + size:
                break
            chunk, self.raw = self.raw[8 : 8 + size], self.raw[8 + size :]
            if stream == 2:
                self.err.extend(chunk)
            else:
                out += chunk
        return bytes(out) if out else None

    def closed(self) -> bool:
        try:
            ready, _, _ = select.select([self.sock], [], [], 0)
            return bool(ready) and self.sock.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True

    def stderr_tail(self) -> str:
        return bytes(self.err).decode("utf-8", "replace")

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


class PipeLink(Link):
    """A subprocess's stdin/stdout pipes (the ``process`` backend)."""

    def __init__(self, stdin_fd: int, stdout_fd: int) -> None:
        self.wfd, self.rfd = stdin_fd, stdout_fd

    def send(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.wfd, view):]

    def recv(self, timeout: float) -> bytes:
        ready, _, _ = select.select([self.rfd], [], [], max(0.0, timeout))
        if not ready:
            raise LinkSilent()
        try:
            return os.read(self.rfd, 1 << 16)
        except OSError:
            return b""

    def closed(self) -> bool:
        return False  # a dead one-shot worker shows up as end of stream on the first read

    def close(self) -> None:
        for fd in (self.wfd, self.rfd):
            try:
                os.close(fd)
            except OSError:
                pass


class WorkerSession:
    def __init__(self, link: Link, max_frame: int) -> None:
        self.link = link
        self.reader = FrameReader(max_frame)

    def hello(self, timeout: float) -> dict:
        """The worker's first frame; raises LinkDown/LinkSilent, or ValueError for another protocol."""
        frame = self._next(lambda f: "hello" in f, timeout, sent=False)
        if frame.get("hello") != PROTOCOL:
            raise ValueError(f"the worker speaks protocol {frame.get('hello')!r}, this latm speaks {PROTOCOL}")
        return frame

    def call(self, request: dict, timeout: float) -> dict:
        """Send one request and return its reply frame."""
        nonce = secrets.token_hex(8)
        try:
            self.link.send(encode_frame({**request, "nonce": nonce}))
        except OSError as err:
            raise LinkDown(f"could not send to the sandbox worker: {err}", sent=False) from None
        return self._next(lambda f: f.get("nonce") == nonce, timeout, sent=True)

    def _next(self, wanted, timeout: float, sent: bool) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            data = self.link.recv(deadline - time.monotonic())
            if not data:
                raise LinkDown("the sandbox worker ended", sent=sent)
            for frame in self.reader.feed(data):
                if "retire" in frame:  # it served its last call and left; nothing of ours ran
                    raise LinkDown(f"the sandbox worker retired: {frame['retire']}", sent=False)
                if wanted(frame):
                    return frame

    def close(self) -> None:
        self.link.close()
