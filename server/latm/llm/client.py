"""One chat client for the three roles (maker, user, dispatcher) on any OpenAI-compatible endpoint.

Every request carries the role's ``max_tokens`` (and the caller's stop sequences), so a model
that never stops on its own still answers in bounded time; a reply cut off at that limit
(``finish_reason == "length"``) raises ``LLMTruncated`` with what came, never passes as whole.
The limit goes as ``max_tokens``, which local servers (llama.cpp, Ollama, vLLM) take; a model that
refuses it by name (OpenAI's reasoning models want ``max_completion_tokens``) is asked again at
once with the other name, which the client then uses for that model; likewise a model that takes
no temperature but its default (those models again) is asked again without one, and from then on.

The SDK's own retries are off: this client retries 429 (honouring ``Retry-After``) and 5xx with
backoff, and a timeout once only (a local server keeps generating the abandoned request, so more
retries would queue behind it). It fails at once with a sentence saying what to change for a bad
key, an unknown model, an unreachable endpoint, no key or a conversation that outgrew the
model's context; it can be cancelled mid-request, and writes every attempt to the ledger. The key
is read from the environment per request and never logged.
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Optional

from latm.llm.ledger import Ledger, LedgerEntry
from latm.errors import Cancelled, LLMContextOverflow, LLMReplyError, LLMTruncated, LLMUnavailable, NoApiKey
from latm.progress import CancelToken
from latm.safe_text import without_lone_surrogates
from latm.settings import Settings

if TYPE_CHECKING:
    import openai  # ~0.8 s to import: with the first request (_openai), not with latm

log = logging.getLogger(__name__)

ROLES = ("maker", "user", "dispatcher")
MAX_RETRY_AFTER_S = 120.0
TIMEOUT_RETRIES = 1
# How servers word "the prompt does not fit": OpenAI and vLLM ("maximum context length"),
# llama.cpp ("exceeds the available context size"), others ("context window").
_CONTEXT_FULL = re.compile(r"context (length|window|size)|exceeds? the available context", re.IGNORECASE)
# The two names of the reply's token limit: each server takes one of them.
LIMIT_NAMES = ("max_tokens", "max_completion_tokens")


@dataclass(frozen=True)
class LLMReply:
    text: str
    model: str
    tokens_in: int
    tokens_out: int
    latency_ms: float
    cost_usd: Optional[float]
    finish_reason: str = "stop"

    @property
    def tokens(self) -> int:
        return self.tokens_in + self.tokens_out


@dataclass(frozen=True)
class _Failure:
    """What one failed attempt means: retry (after ``wait_s`` if the server said) or give up."""

    outcome: str
    retry: bool
    error: Optional[Exception] = None  # the LatmError to raise when not retrying
    wait_s: Optional[float] = None
    detail: str = ""


class LLMClient:
    def __init__(self, settings: Settings, ledger: Optional[Ledger] = None, *, backoff_s: float = 1.0,
                 max_backoff_s: float = 30.0) -> None:
        self.settings = settings
        self.ledger = ledger
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self._sdk: Optional[openai.OpenAI] = None
        self._sdk_key: Optional[str] = None
        self._lock = threading.Lock()
        self._limit_names: dict[str, str] = {}  # model -> the limit's name it took after refusing the other
        self._default_temperature: set[str] = set()  # models that refused any temperature but their default

    @property
    def endpoint(self) -> str:
        return self.settings.base_url or "the OpenAI API"

    def model_for(self, role: str) -> tuple[str, float]:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        model = getattr(self.settings, f"{role}_model")
        if not model:
            raise LLMUnavailable(f"No {role} model is configured: set the {role}_model setting to a model name.")
        return model, getattr(self.settings, f"{role}_temperature")

    def chat(self, role: str, messages: list[dict], *, tool: str = "", cancel: Optional[CancelToken] = None,
             stop: tuple[str, ...] = ()) -> LLMReply:
        """Send ``messages`` as ``role``; return the whole reply, or raise LLMUnavailable / LLMReplyError
        (LLMTruncated for a cut-off reply, LLMContextOverflow) / Cancelled."""
        model, temperature = self.model_for(role)
        sdk = self._client()
        openai = _openai()
        limit = getattr(self.settings, f"{role}_max_tokens")
        extra = {"stop": list(stop)} if stop else {}
        attempts = 1 + self.settings.max_retries
        last: Optional[_Failure] = None
        timeouts = 0
        adapted: set[str] = set()  # what this chat stopped sending after a refusal: each at most once
        attempt = 0
        while attempt < attempts:
            attempt += 1
            if cancel:
                cancel.check()
            started = time.monotonic()
            name = self._limit_names.get(model, LIMIT_NAMES[0])
            sampling = {} if model in self._default_temperature else {"temperature": temperature}
            try:
                response = _cancellable(lambda: sdk.chat.completions.create(
                    model=model, messages=messages, **sampling, **{name: limit}, **extra), cancel)
            except openai.OpenAIError as err:
                refused = self._adapt(err, model, name, adapted)
                if refused:
                    self._record(role, model, tool, "unsupported_parameter", started, attempt)
                    adapted.add(refused)
                    attempt -= 1  # asked again at once: the refusal is no failed attempt
                    continue
                last = self._classify(err, role, model)
                self._record(role, model, tool, last.outcome, started, attempt)
                log.info("%s call to %s failed (attempt %d/%d): %s", role, model, attempt, attempts, last.outcome)
                if not last.retry:
                    raise last.error from None
                timeouts += last.outcome == "timeout"
                if timeouts > TIMEOUT_RETRIES:
                    break
                if attempt < attempts:
                    self._sleep(last.wait_s if last.wait_s is not None else self._backoff(attempt), cancel)
                continue
            except Cancelled:
                self._record(role, model, tool, "cancelled", started, attempt)
                raise
            return self._reply(response, role, model, tool, started, attempt)
        raise self._exhausted(role, model, last, attempts)

    def _adapt(self, err: openai.OpenAIError, model: str, name: str, adapted: set[str]) -> str:
        """What ``model`` refused by name, not ``adapted`` in this chat yet ("limit", "temperature"),
        now changed for it from now on: the limit's other name, or no temperature; else ""."""
        if "limit" not in adapted and _refuses_parameter(err, name):
            self._limit_names[model] = other = LIMIT_NAMES[1 - LIMIT_NAMES.index(name)]
            log.info("the model %s takes no %s; asking again with %s", model, name, other)
            return "limit"
        if "temperature" not in adapted and _refuses_parameter(err, "temperature"):
            self._default_temperature.add(model)
            log.info("the model %s takes only its default temperature; asking again without one", model)
            return "temperature"
        return ""

    # One SDK client, rebuilt if the key in the environment changes.

    def _client(self) -> openai.OpenAI:
        key = self.settings.api_key()
        if not key:
            env = self.settings.api_key_env
            raise NoApiKey(
                f"No API key: the environment variable {env} is not set. Set it to your key (a local server "
                f"that needs none accepts any value, e.g. {env}=none), or set api_key_env to the variable that holds it."
            )
        with self._lock:
            if self._sdk is None or self._sdk_key != key:
                self._sdk = _openai().OpenAI(
                    api_key=key, base_url=self.settings.base_url or None,
                    timeout=self.settings.llm_timeout_s, max_retries=0,
                )
                self._sdk_key = key
            return self._sdk

    def _reply(self, response: Any, role: str, model: str, tool: str, started: float, attempt: int) -> LLMReply:
        latency_ms = (time.monotonic() - started) * 1000
        usage = getattr(response, "usage", None)
        tokens_in = int(getattr(usage, "prompt_tokens", 0) or 0)
        tokens_out = int(getattr(usage, "completion_tokens", 0) or 0)
        price = self.settings.price(model)
        cost = price.cost(tokens_in, tokens_out) if price else None
        choice = response.choices[0] if response.choices else None
        finish = str(getattr(choice, "finish_reason", None) or "stop")
        outcome = "truncated" if finish == "length" else "ok"
        self._record(role, model, tool, outcome, started, attempt, tokens_in, tokens_out, cost)
        if choice is None:
            raise LLMReplyError(f"The {role} model ({model}) sent a reply with no message; try again.")
        # A JSON "\\ud800" decodes to a lone surrogate, which no file or terminal can take.
        text = without_lone_surrogates(choice.message.content or getattr(choice.message, "refusal", None) or "")
        reply = LLMReply(text, model, tokens_in, tokens_out, latency_ms, cost, finish)
        if outcome == "truncated":
            limit = getattr(self.settings, f"{role}_max_tokens")
            raise LLMTruncated(
                f"The {role} model ({model}) reached its limit of {limit} tokens ({role}_max_tokens) before it "
                "finished, so its reply is cut off and was not used. A model that does not stop on its own (a base "
                f"model, or a server without the model's chat format) does this; raise {role}_max_tokens only if "
                "its replies are just long.", reply)
        return reply

    def _record(self, role: str, model: str, tool: str, outcome: str, started: float, attempt: int,
                tokens_in: int = 0, tokens_out: int = 0, cost: Optional[float] = None) -> None:
        if self.ledger is None:
            return
        latency_ms = round((time.monotonic() - started) * 1000, 1)
        self.ledger.append(LedgerEntry(role, model, outcome, tool, tokens_in, tokens_out, cost, latency_ms, attempt))

    # Retry policy.

    def _backoff(self, attempt: int) -> float:
        return min(self.max_backoff_s, self.backoff_s * 2 ** (attempt - 1)) * random.uniform(1.0, 1.25)

    @staticmethod
    def _sleep(seconds: float, cancel: Optional[CancelToken]) -> None:
        if cancel is None:
            time.sleep(seconds)
        elif cancel.wait(seconds):
            cancel.check()

    def _classify(self, err: openai.OpenAIError, role: str, model: str) -> _Failure:
        openai, where = _openai(), self.endpoint
        if isinstance(err, openai.APITimeoutError):
            return _Failure("timeout", True, detail=(
                f"no answer within llm_timeout_s={self.settings.llm_timeout_s:g}s. A local server may still be busy "
                "generating the abandoned request (it does not stop when latm gives up): wait for it, raise "
                f"llm_timeout_s, or lower {role}_max_tokens"))
        if isinstance(err, openai.APIConnectionError):
            cause = err.__cause__ or err
            return _Failure("unreachable", False, LLMUnavailable(
                f"Cannot reach the model endpoint {where} ({type(cause).__name__}: {_short(cause)}). "
                "Check the base_url setting and that the server is running and reachable."))
        if not isinstance(err, openai.APIStatusError):
            return _Failure("error", False, LLMReplyError(f"The {role} model ({model}) call failed: {_short(err)}"))
        status = err.status_code
        if status in (401, 403):
            env = self.settings.api_key_env
            return _Failure("bad_key", False, LLMUnavailable(
                f"The endpoint {where} refused the API key from {env} (HTTP {status}). Set {env} to a valid key "
                "for this endpoint, or set api_key_env to the variable that holds it."))
        if status == 404:
            return _Failure("unknown_model", False, self._not_found(err, role, model))
        if status == 429:
            if _error_code(err) == "insufficient_quota":
                return _Failure("quota", False, LLMUnavailable(
                    f"The account behind {self.settings.api_key_env} has no quota left at {where}. "
                    "Add credit to it or use another key."))
            return _Failure("rate_limited", True, wait_s=_retry_after(err), detail="rate limited (HTTP 429)")
        if _error_code(err) == "context_length_exceeded" or (status in (400, 413) and
                                                              _CONTEXT_FULL.search(_server_message(err))):
            return _Failure("context_overflow", False, LLMContextOverflow(
                f"The conversation no longer fits the context of the {role} model ({model}) at {where}: "
                f"{_server_message(err)} Give the server a larger context (llama.cpp: --n_ctx; Ollama: num_ctx), "
                f"use a model with a longer context, or shorten the prompt (fewer or shorter examples, a lower "
                f"{role}_max_tokens)."))
        if status >= 500:
            return _Failure("server_error", True, wait_s=_retry_after(err), detail=f"server error (HTTP {status})")
        return _Failure("refused", False, LLMReplyError(
            f"The {role} model ({model}) refused the request (HTTP {status}): {_server_message(err)}"))

    def _not_found(self, err: openai.APIStatusError, role: str, model: str) -> LLMUnavailable:
        if _error_code(err) == "model_not_found" or "model" in _server_message(err).lower():
            known = self._available_models()
            offer = f" Models it offers: {', '.join(known[:12])}." if known else ""
            return LLMUnavailable(
                f"The endpoint {self.endpoint} does not know the model '{model}'.{offer} "
                f"Set the {role}_model setting to a model it serves.")
        return LLMUnavailable(
            f"The endpoint {self.endpoint} has no chat completions API (HTTP 404). Check the base_url setting; "
            "OpenAI-compatible servers usually expect it to end in /v1.")

    def _available_models(self) -> list[str]:
        try:
            return sorted(m.id for m in self._client().models.list())
        except (_openai().OpenAIError, LLMUnavailable):
            return []

    def _exhausted(self, role: str, model: str, last: Optional[_Failure], attempts: int) -> LLMUnavailable:
        if last is not None and last.outcome == "timeout":
            return LLMUnavailable(f"The {role} model ({model}) at {self.endpoint} gave {last.detail}.")
        what = last.detail if last else "no answer"
        return LLMUnavailable(
            f"The {role} model ({model}) at {self.endpoint} still failed after {attempts} attempts: {what}. "
            "Try again later, or raise max_retries or llm_timeout_s.")


def _openai():  # noqa: ANN202 (the openai module)
    """The openai SDK, imported on first use."""
    import openai

    return openai


def _cancellable(call: Callable[[], Any], cancel: Optional[CancelToken]) -> Any:
    """Run ``call``; with a token, in a thread that is abandoned (its result dropped) on cancel."""
    if cancel is None:
        return call()
    box: dict = {}
    done = threading.Event()

    def target() -> None:
        try:
            box["value"] = call()
        except BaseException as err:  # handed to the caller below
            box["error"] = err
        finally:
            done.set()

    threading.Thread(target=target, name="latm-llm-call", daemon=True).start()
    while not done.wait(0.05):
        cancel.check()
    if "error" in box:
        raise box["error"]
    return box["value"]


def _retry_after(err: openai.APIStatusError) -> Optional[float]:
    headers = err.response.headers if err.response is not None else {}
    for header, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(header)
        if value is None:
            continue
        try:
            seconds = float(value) / scale
        except ValueError:  # an HTTP date (email.utils: ~7 ms to import, not for every command)
            from email.utils import parsedate_to_datetime

            parsed = parsedate_to_datetime(value) if header == "retry-after" else None
            seconds = parsed.timestamp() - time.time() if parsed else -1
        if 0 <= seconds:
            return min(seconds, MAX_RETRY_AFTER_S)
    return None


def _refuses_parameter(err: openai.OpenAIError, name: str) -> bool:
    """A 400 saying the server takes no parameter ``name``, or not its value (OpenAI: code
    ``unsupported_parameter``, param ``max_tokens``, "Use 'max_completion_tokens' instead"; code
    ``unsupported_value``, param ``temperature``, "Only the default (1) value is supported")."""
    if getattr(err, "status_code", None) != 400:
        return False
    body = err.body if isinstance(getattr(err, "body", None), dict) else {}
    if body.get("param") == name and _error_code(err) in ("unsupported_parameter", "unsupported_value", ""):
        return True
    message = _server_message(err).lower()
    return f"'{name}'" in message and ("unsupported" in message or "not supported" in message)


def _error_code(err: openai.APIStatusError) -> str:
    return str(getattr(err, "code", "") or "")


def _server_message(err: openai.APIStatusError) -> str:
    body = err.body if isinstance(err.body, dict) else {}
    return _short(body.get("message") or err.message)


def _short(text: Any, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
