"""A transparent loopback proxy in front of the real llama.cpp server: it forwards every request
unchanged and keeps each chat request's body with the server's reply (its ``usage`` and
``finish_reason``), so a test compares what latm sent and recorded with what the server said."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional


@dataclass
class Exchange:
    request: dict
    status: int = 0
    reply: Optional[dict] = None  # the server's JSON answer

    @property
    def usage(self) -> dict:
        return (self.reply or {}).get("usage") or {}

    @property
    def finish_reason(self) -> str:
        choices = (self.reply or {}).get("choices") or [{}]
        return choices[0].get("finish_reason") or ""

    @property
    def text(self) -> str:
        choices = (self.reply or {}).get("choices") or [{}]
        return (choices[0].get("message") or {}).get("content") or ""


class RecordingProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")  # ends in /v1
        self.exchanges: list[Exchange] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def chats(self) -> list[Exchange]:
        """The chat exchanges that got an answer, in the order they were sent."""
        with self._lock:
            return [e for e in self.exchanges if e.status]

    def __enter__(self) -> "RecordingProxy":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    def forward(self, method: str, path: str, body: Optional[bytes], headers: dict) -> tuple[int, bytes]:
        target = self.upstream + path.removeprefix("/v1")
        request = urllib.request.Request(target, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=600) as answer:
                return answer.status, answer.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()


def _handler_for(proxy: RecordingProxy) -> type:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self._relay(None)

        def do_POST(self) -> None:
            self._relay(self.rfile.read(int(self.headers.get("content-length") or 0)))

        def _relay(self, body: Optional[bytes]) -> None:
            exchange = None
            if body is not None and self.path.rstrip("/").endswith("/chat/completions"):
                exchange = Exchange(json.loads(body))
                with proxy._lock:
                    proxy.exchanges.append(exchange)
            headers = {"content-type": "application/json", "authorization": self.headers.get("authorization", "")}
            status, payload = proxy.forward(self.command, self.path, body, headers)
            if exchange is not None:
                try:
                    exchange.reply = json.loads(payload)
                except ValueError:
                    exchange.reply = {"raw": payload.decode("utf-8", "replace")}
                exchange.status = status
            try:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # latm gave up on this request (a timeout test); the server answered anyway

    return Handler
