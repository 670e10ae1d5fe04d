"""A scripted OpenAI-compatible chat server on loopback: the one stand-in latm's tests allow.

The real ``openai`` SDK talks to it over HTTP exactly as it would talk to a hosted model.
Replies come from a queue and/or a function ``respond(messages, model) -> reply``; a reply is
the assistant's text, or a fault (``rate_limited``, ``server_error``, ``bad_key``,
``unknown_model``, ``Delay``) with the status, headers and JSON error body OpenAI sends. Every
request is recorded so a test can assert what the model was shown. As a real server does, it
honours a request's ``stop`` sequences and ``max_tokens`` (a reply longer than that is cut and
ends with ``finish_reason: "length"``), and with ``context_tokens`` set it refuses a prompt that
does not fit with HTTP 400 ``context_length_exceeded``. A model named in ``completion_token_models``
behaves as OpenAI's reasoning models do: it refuses ``max_tokens`` (HTTP 400
``unsupported_parameter``) and honours ``max_completion_tokens`` instead; one named in
``default_temperature_models`` refuses a ``temperature`` other than 1 (HTTP 400
``unsupported_value``), as they do too.

In-process::

    with ScriptedLLM(replies=["```python\\n...\\n```"]) as llm:
        client = OpenAI(base_url=llm.url, api_key="sk-test")

Out of process (the VS Code wire test, a language-server run)::

    python tests/scripted_llm.py --port 0 --script replies.json [--record requests.jsonl]

prints ``listening on http://127.0.0.1:PORT/v1`` on stdout, then serves until killed. A JSON
script is a list of replies or ``{"replies": [...], "models": [...], "api_key": "..."}``; a
reply is a string or ``{"status": 429, "retry_after": 1}`` / ``{"status": 500}`` /
``{"delay": 5, "then": "text"}``. A ``.py`` script may define ``replies``, ``respond``,
``models`` and ``api_key``.
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import itertools
import json
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Optional, Union

DEFAULT_MODELS = ("gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4", "gpt-3.5-turbo")


@dataclass(frozen=True)
class Fault:
    """An HTTP error exactly as the OpenAI API returns it."""

    status: int
    body: dict
    headers: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Delay:
    """Wait ``seconds`` before sending ``then`` (a client with a shorter timeout gives up)."""

    seconds: float
    then: Union[str, Fault] = "(late reply)"


Reply = Union[str, Fault, Delay]
Responder = Callable[[list, str], Reply]


def _error(message: str, kind: str, code: Optional[str], param: Optional[str] = None) -> dict:
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def rate_limited(retry_after: float = 1.0, model: str = "gpt-4o") -> Fault:
    message = (f"Rate limit reached for {model} on tokens per min (TPM): Limit 30000, Used 29800, "
               f"Requested 1200. Please try again in {retry_after:g}s.")
    headers = {"retry-after": f"{retry_after:g}", "x-ratelimit-remaining-tokens": "0"}
    return Fault(429, _error(message, "tokens", "rate_limit_exceeded"), headers)


def server_error(status: int = 500) -> Fault:
    if status == 503:
        return Fault(503, _error("The engine is currently overloaded, please try again later", "server_error", None))
    message = "The server had an error while processing your request. Sorry about that!"
    return Fault(status, _error(message, "server_error", None))


def bad_key(shown_key: str = "sk-bad") -> Fault:
    masked = shown_key[:3] + "*" * 8 + shown_key[-4:] if len(shown_key) > 8 else "sk-****"
    message = f"Incorrect API key provided: {masked}. You can find your API key in your account settings."
    return Fault(401, _error(message, "invalid_request_error", "invalid_api_key"))


def unknown_model(model: str) -> Fault:
    message = f"The model `{model}` does not exist or you do not have access to it."
    return Fault(404, _error(message, "invalid_request_error", "model_not_found"))


def context_overflow(limit: int, requested: int) -> Fault:
    message = (f"This model's maximum context length is {limit} tokens. However, you requested {requested} tokens. "
               "Please reduce the length of the messages or completion.")
    return Fault(400, _error(message, "invalid_request_error", "context_length_exceeded", "messages"))


def unsupported_max_tokens() -> Fault:
    """What OpenAI's reasoning models (o1, o3, gpt-5) answer to a request carrying ``max_tokens``."""
    message = "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead."
    return Fault(400, _error(message, "invalid_request_error", "unsupported_parameter", "max_tokens"))


def unsupported_temperature(value: Any) -> Fault:
    """What OpenAI's reasoning models answer to a request whose ``temperature`` is not 1."""
    message = (f"Unsupported value: 'temperature' does not support {value} with this model. "
               "Only the default (1) value is supported.")
    return Fault(400, _error(message, "invalid_request_error", "unsupported_value", "temperature"))


_TOKEN = re.compile(r"\w+|[^\w\s]")


def count_tokens(text: str) -> int:
    """A deterministic stand-in for a tokenizer: words and punctuation marks."""
    return len(_TOKEN.findall(text or ""))


def generated(text: str, stop: Any, max_tokens: Any) -> tuple[str, str]:
    """(text, finish_reason) as a server sends ``text``: cut before a stop sequence, or at max_tokens."""
    stops = [stop] if isinstance(stop, str) else list(stop or [])
    cuts = [text.find(s) for s in stops if s and s in text]
    if cuts:
        text = text[: min(cuts)]
    tokens = list(_TOKEN.finditer(text))
    if isinstance(max_tokens, int) and len(tokens) > max_tokens:
        return text[: tokens[max_tokens - 1].end()] if max_tokens > 0 else "", "length"
    return text, "stop"


@dataclass
class Request:
    """One request as the server saw it (the key itself is kept only to check which was sent)."""

    method: str
    path: str
    body: dict
    api_key: str
    status: int = 0
    time: float = field(default_factory=time.monotonic)

    @property
    def model(self) -> str:
        return self.body.get("model", "")

    @property
    def messages(self) -> list:
        return self.body.get("messages", [])

    @property
    def prompt(self) -> str:
        """The text of the last message: what the model was just asked."""
        return self.messages[-1]["content"] if self.messages else ""


class _Listener(ThreadingHTTPServer):
    request_queue_size = 128  # many clients at once (latm eval --concurrency 16) connect, not get refused


class ScriptedLLM:
    """The server. ``url`` is the ``base_url`` for the SDK; ``requests`` records every call."""

    def __init__(
        self,
        replies: Optional[list] = None,
        respond: Optional[Responder] = None,
        *,
        models: tuple = DEFAULT_MODELS,
        api_key: Optional[str] = None,
        port: int = 0,
        record_path: Optional[str] = None,
        context_tokens: Optional[int] = None,
        completion_token_models: tuple = (),
        default_temperature_models: tuple = (),
    ) -> None:
        self.queue: collections.deque = collections.deque(replies or [])
        self.respond = respond
        self.models = tuple(models)
        self.api_key = api_key  # None: any key is accepted
        self.requests: list[Request] = []
        self.unexpected: list[str] = []  # requests nothing was scripted for
        self.record_path = record_path
        self.context_tokens = context_tokens  # None: any prompt fits
        self.completion_token_models = tuple(completion_token_models)  # refuse max_tokens, as reasoning models do
        self.default_temperature_models = tuple(default_temperature_models)  # refuse a temperature but 1, as they do
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._httpd = _Listener(("127.0.0.1", port), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread: Optional[threading.Thread] = None

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> "ScriptedLLM":
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread:
            self._thread.join(5)

    def __enter__(self) -> "ScriptedLLM":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def push(self, *replies: Reply) -> None:
        with self._lock:
            self.queue.extend(replies)

    def chat_requests(self) -> list[Request]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    # Called from the handler threads.

    def _record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)
        if self.record_path:
            line = {"method": request.method, "path": request.path, "body": request.body}
            with open(self.record_path, "a", encoding="utf-8") as out:
                out.write(json.dumps(line) + "\n")

    def _next_reply(self, request: Request) -> Reply:
        if self.api_key is not None and request.api_key != self.api_key:
            return bad_key(request.api_key)
        if request.model not in self.models:
            return unknown_model(request.model)
        if self.context_tokens is not None and _prompt_tokens(request) > self.context_tokens:
            return context_overflow(self.context_tokens, _prompt_tokens(request))
        if request.model in self.completion_token_models and "max_tokens" in request.body:
            return unsupported_max_tokens()
        if request.model in self.default_temperature_models and request.body.get("temperature", 1) != 1:
            return unsupported_temperature(request.body["temperature"])
        with self._lock:
            if self.queue:
                return self.queue.popleft()
        if self.respond is not None:
            return self.respond(request.messages, request.model)
        self.unexpected.append(request.prompt[:200])
        return Fault(400, _error("scripted_llm: no reply scripted for this request", "invalid_request_error", None))

    def _completion(self, request: Request, text: str) -> dict:
        prompt_tokens = _prompt_tokens(request)
        limit = request.body.get("max_completion_tokens", request.body.get("max_tokens"))
        text, finish_reason = generated(text, request.body.get("stop"), limit)
        completion_tokens = count_tokens(text)
        return {
            "id": f"chatcmpl-scripted-{next(self._ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request.model,
            "system_fingerprint": "fp_scripted",
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": text, "refusal": None},
                "logprobs": None,
                "finish_reason": finish_reason,
            }],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }


def _prompt_tokens(request: Request) -> int:
    return sum(count_tokens(str(m.get("content", ""))) + 4 for m in request.messages)


def _handler_for(server: ScriptedLLM) -> type:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt: str, *args: Any) -> None:  # keep test output clean
            pass

        def do_GET(self) -> None:
            request = self._request({})
            if self.path.rstrip("/").endswith("/models"):
                data = [{"id": m, "object": "model", "created": 0, "owned_by": "scripted"} for m in server.models]
                self._send(request, 200, {"object": "list", "data": data})
            else:
                self._send(request, 404, _error(f"Unknown path {self.path}", "invalid_request_error", None))

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except json.JSONDecodeError:
                body = {}
            request = self._request(body)
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send(request, 404, _error(f"Unknown path {self.path}", "invalid_request_error", None))
            elif body.get("stream"):
                self._send(request, 400, _error("scripted_llm does not stream", "invalid_request_error", "stream"))
            else:
                self._reply(request, server._next_reply(request))

        def _request(self, body: dict) -> Request:
            auth = self.headers.get("authorization", "")
            request = Request(self.command, self.path, body, auth.removeprefix("Bearer ").strip())
            server._record(request)
            return request

        def _reply(self, request: Request, reply: Reply) -> None:
            if isinstance(reply, Delay):
                time.sleep(reply.seconds)
                reply = reply.then
            if isinstance(reply, Fault):
                self._send(request, reply.status, reply.body, reply.headers)
            else:
                self._send(request, 200, server._completion(request, str(reply)))

        def _send(self, request: Request, status: int, body: dict, headers: Optional[dict] = None) -> None:
            request.status = status
            payload = json.dumps(body).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test); nothing to do

    return Handler


# Out-of-process use.

def reply_from_json(item: Any) -> Reply:
    if isinstance(item, str):
        return item
    if "delay" in item:
        return Delay(float(item["delay"]), reply_from_json(item.get("then", "(late reply)")))
    status = int(item["status"])
    if status == 429:
        return rate_limited(float(item.get("retry_after", 1)))
    if status == 401:
        return bad_key()
    if status == 404:
        return unknown_model(item.get("model", "unknown"))
    return server_error(status)


def load_script(path: str) -> dict:
    """Keyword arguments for ScriptedLLM from a ``.json`` or ``.py`` script."""
    if path.endswith(".py"):
        spec = importlib.util.spec_from_file_location("scripted_llm_script", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        data = {k: getattr(module, k) for k in ("replies", "respond", "models", "api_key") if hasattr(module, k)}
    else:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        if isinstance(data, list):
            data = {"replies": data}
    if "replies" in data:
        data["replies"] = [reply_from_json(r) for r in data["replies"]]
    if "models" in data:
        data["models"] = tuple(data["models"])
    return data


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description="Scripted OpenAI-compatible chat server on loopback")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--script", help="JSON list of replies, or a .py file defining replies/respond")
    parser.add_argument("--record", help="append every request as a JSON line to this file")
    args = parser.parse_args(argv)
    options = load_script(args.script) if args.script else {}
    server = ScriptedLLM(port=args.port, record_path=args.record, **options)
    print(f"listening on {server.url}", flush=True)
    try:
        server._httpd.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        server._httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
