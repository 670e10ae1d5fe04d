"""The LLM client through the real openai SDK against the scripted server: roles, retries,
clear errors, cancellation and the ledger."""

from __future__ import annotations

import dataclasses
import socket
import threading
import time

import pytest

from model_support import TEST_KEY, TEST_KEY_ENV
from latm.llm.ledger import Ledger
from latm.llm.client import LLMClient
from latm.errors import Cancelled, LLMUnavailable, NoApiKey
from latm.progress import CancelToken
from scripted_llm import Delay, count_tokens, rate_limited, server_error

ASK = [{"role": "user", "content": "Sort: b a"}]


@pytest.fixture
def ledger(tmp_path):
    return Ledger.in_state_dir(tmp_path / ".latm")


def make_client(settings, ledger, **changes):
    return LLMClient(dataclasses.replace(settings, **changes), ledger, backoff_s=0.05)


def outcomes(ledger):
    return [e["outcome"] for e in ledger.entries()]


def test_reply_tokens_cost_and_ledger(scripted_llm, llm_settings, ledger):
    scripted_llm.push("```python\nans = ' '.join(sorted('b a'.split()))\n```")
    reply = make_client(llm_settings, ledger).chat("maker", ASK, tool="word_sorting")
    assert reply.tokens_out == count_tokens(reply.text) and reply.tokens_in == count_tokens("Sort: b a") + 4
    (entry,) = ledger.entries()
    assert entry["role"] == "maker" and entry["model"] == "gpt-4o" and entry["tool"] == "word_sorting"
    assert entry["outcome"] == "ok" and entry["tokens_in"] == reply.tokens_in
    assert entry["cost_usd"] == pytest.approx((reply.tokens_in * 2.5 + reply.tokens_out * 10.0) / 1e6)
    assert entry["latency_ms"] >= 0 and entry["time"].endswith("Z")


@pytest.mark.parametrize("role, model, temperature", [("maker", "gpt-4.1", 0.3), ("user", "gpt-4o-mini", 0.0),
                                                      ("dispatcher", "gpt-3.5-turbo", 0.7)])
def test_each_role_uses_its_model_and_temperature(scripted_llm, llm_settings, ledger, role, model, temperature):
    scripted_llm.push("ok")
    client = make_client(llm_settings, ledger, **{f"{role}_model": model, f"{role}_temperature": temperature})
    client.chat(role, ASK)
    (request,) = scripted_llm.chat_requests()
    assert (request.model, request.body["temperature"], request.api_key) == (model, temperature, TEST_KEY)


def test_unpriced_model_has_no_cost(scripted_llm, llm_settings, ledger):
    scripted_llm.models += ("local-llama",)
    scripted_llm.push("ok")
    make_client(llm_settings, ledger, user_model="local-llama").chat("user", ASK)
    assert ledger.entries()[0]["cost_usd"] is None


def test_429_waits_for_retry_after(scripted_llm, llm_settings, ledger):
    scripted_llm.push(rate_limited(retry_after=1.0), "done")
    assert make_client(llm_settings, ledger).chat("user", ASK).text == "done"
    first, second = scripted_llm.chat_requests()
    assert second.time - first.time >= 1.0  # the server asked for one second
    assert outcomes(ledger) == ["rate_limited", "ok"]


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retried(scripted_llm, llm_settings, ledger, status):
    scripted_llm.push(server_error(status), server_error(status), "third time")
    assert make_client(llm_settings, ledger).chat("maker", ASK).text == "third time"
    assert outcomes(ledger) == ["server_error", "server_error", "ok"]


def test_retries_run_out_with_a_clear_error(scripted_llm, llm_settings, ledger):
    scripted_llm.push(*[server_error(503)] * 3)
    with pytest.raises(LLMUnavailable, match=r"after 3 attempts: server error \(HTTP 503\).*max_retries"):
        make_client(llm_settings, ledger).chat("maker", ASK)
    assert len(scripted_llm.chat_requests()) == 3


def test_timeout_is_retried(scripted_llm, llm_settings, ledger):
    scripted_llm.push(Delay(1.5, "too late"), "in time")
    assert make_client(llm_settings, ledger, llm_timeout_s=0.4).chat("user", ASK).text == "in time"
    assert outcomes(ledger) == ["timeout", "ok"]


def test_timeouts_run_out(scripted_llm, llm_settings, ledger):
    scripted_llm.push(Delay(1.0), Delay(1.0))
    with pytest.raises(LLMUnavailable, match=r"llm_timeout_s=0.3s"):
        make_client(llm_settings, ledger, llm_timeout_s=0.3, max_retries=1).chat("user", ASK)


def test_bad_key_fails_at_once_and_never_shows_the_key(scripted_llm, llm_settings, ledger, caplog):
    scripted_llm.api_key = "sk-the-right-one"
    with pytest.raises(LLMUnavailable) as caught:
        make_client(llm_settings, ledger).chat("maker", ASK)
    message = str(caught.value)
    assert TEST_KEY_ENV in message and "api_key_env" in message and "HTTP 401" in message
    assert len(scripted_llm.chat_requests()) == 1
    assert outcomes(ledger) == ["bad_key"]
    for text in (message, ledger.path.read_text(), caplog.text):
        assert TEST_KEY not in text and TEST_KEY[-4:] not in text


def test_unknown_model_names_the_setting_and_the_choices(scripted_llm, llm_settings, ledger):
    with pytest.raises(LLMUnavailable) as caught:
        make_client(llm_settings, ledger, maker_model="gpt-9").chat("maker", ASK)
    message = str(caught.value)
    assert "'gpt-9'" in message and "maker_model" in message and "gpt-4o-mini" in message
    assert outcomes(ledger) == ["unknown_model"]


def test_unreachable_endpoint_fails_at_once(llm_settings, ledger):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    with pytest.raises(LLMUnavailable, match="Cannot reach the model endpoint .*base_url"):
        make_client(llm_settings, ledger, base_url=url).chat("maker", ASK)
    assert outcomes(ledger) == ["unreachable"]


def test_no_key_configured(llm_settings, ledger, monkeypatch):
    monkeypatch.delenv(TEST_KEY_ENV)
    with pytest.raises(NoApiKey, match=f"No API key: the environment variable {TEST_KEY_ENV} is not set"):
        make_client(llm_settings, ledger).chat("maker", ASK)
    assert ledger.entries() == []


def test_no_dispatcher_model(llm_settings, ledger):
    with pytest.raises(LLMUnavailable, match="set the dispatcher_model setting"):
        make_client(llm_settings, ledger, dispatcher_model="").chat("dispatcher", ASK)


def test_cancel_abandons_a_request_in_flight(scripted_llm, llm_settings, ledger):
    scripted_llm.push(Delay(3.0, "never read"))
    cancel = CancelToken()
    threading.Timer(0.2, cancel.cancel).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        make_client(llm_settings, ledger).chat("maker", ASK, cancel=cancel)
    assert time.monotonic() - started < 2.0
    assert outcomes(ledger) == ["cancelled"]


def test_cancel_interrupts_a_backoff_wait(scripted_llm, llm_settings, ledger):
    scripted_llm.push(rate_limited(retry_after=30))
    cancel = CancelToken()
    threading.Timer(0.3, cancel.cancel).start()
    with pytest.raises(Cancelled):
        make_client(llm_settings, ledger).chat("maker", ASK, cancel=cancel)
    assert len(scripted_llm.chat_requests()) == 1


# What a real local server showed (issue 17): bounded replies, truncation, context overflow, timeouts.

@pytest.mark.parametrize("role, limit", [("maker", 2048), ("user", 512), ("dispatcher", 64)])
def test_each_role_sends_its_max_tokens(scripted_llm, llm_settings, ledger, role, limit):
    scripted_llm.push("ok", "ok")
    make_client(llm_settings, ledger).chat(role, ASK)
    make_client(llm_settings, ledger, **{f"{role}_max_tokens": 99}).chat(role, ASK, stop=("\nQuestion:",))
    default, changed = scripted_llm.chat_requests()
    assert default.body["max_tokens"] == limit and "stop" not in default.body
    assert changed.body["max_tokens"] == 99 and changed.body["stop"] == ["\nQuestion:"]


def test_a_model_that_refuses_max_tokens_gets_max_completion_tokens_and_a_local_one_keeps_max_tokens(
        scripted_llm, llm_settings, ledger):
    # OpenAI's reasoning models refuse max_tokens; llama.cpp, Ollama and vLLM take it (and gpt-4o on OpenAI).
    scripted_llm.models += ("o3-mini",)
    scripted_llm.completion_token_models = ("o3-mini",)
    scripted_llm.push("first", "second", "local")
    client = make_client(llm_settings, ledger, maker_model="o3-mini", maker_max_tokens=77)
    assert client.chat("maker", ASK).text == "first"
    assert client.chat("maker", ASK).text == "second"  # remembered: no second refusal
    assert client.chat("user", ASK).text == "local"
    refused, renamed, remembered, local = scripted_llm.chat_requests()
    assert refused.status == 400 and refused.body["max_tokens"] == 77
    for request in (renamed, remembered):
        assert request.status == 200 and request.body["max_completion_tokens"] == 77 and "max_tokens" not in request.body
    assert local.model == "gpt-4o-mini" and local.body["max_tokens"] == 512 and "max_completion_tokens" not in local.body
    assert outcomes(ledger) == ["unsupported_parameter", "ok", "ok", "ok"]


def test_a_model_that_refuses_the_temperature_is_asked_again_without_it_and_remembered(
        scripted_llm, llm_settings, ledger):
    # OpenAI's reasoning models refuse max_tokens, then any temperature but their default of 1.
    scripted_llm.models += ("o3-mini",)
    scripted_llm.completion_token_models = scripted_llm.default_temperature_models = ("o3-mini",)
    scripted_llm.push("first", "second", "local")
    client = make_client(llm_settings, ledger, maker_model="o3-mini", maker_temperature=0.2, user_temperature=0.5)
    assert client.chat("maker", ASK).text == "first"
    assert client.chat("maker", ASK).text == "second"  # remembered: no refusal again
    assert client.chat("user", ASK).text == "local"
    no_limit, no_temperature, answered, remembered, local = scripted_llm.chat_requests()
    assert no_limit.status == 400 and no_limit.body["max_tokens"] and no_limit.body["temperature"] == 0.2
    assert no_temperature.status == 400 and no_temperature.body["temperature"] == 0.2
    for request in (answered, remembered):
        assert request.status == 200 and "temperature" not in request.body and "max_completion_tokens" in request.body
    assert local.model == "gpt-4o-mini" and local.body["temperature"] == 0.5  # other models keep theirs
    assert outcomes(ledger) == ["unsupported_parameter", "unsupported_parameter", "ok", "ok", "ok"]


def test_a_reply_cut_off_at_max_completion_tokens_is_cut_off_too(scripted_llm, llm_settings, ledger):
    from latm.errors import LLMTruncated

    scripted_llm.models += ("o3-mini",)
    scripted_llm.completion_token_models = ("o3-mini",)
    scripted_llm.push("and so on " * 50)
    with pytest.raises(LLMTruncated, match="maker_max_tokens"):
        make_client(llm_settings, ledger, maker_model="o3-mini", maker_max_tokens=20).chat("maker", ASK)
    assert outcomes(ledger) == ["unsupported_parameter", "truncated"]


def test_a_reply_cut_off_at_max_tokens_is_an_error_that_keeps_the_reply(scripted_llm, llm_settings, ledger):
    from latm.errors import LLMTruncated

    chatty = "```python\nans = 1\n```\n" + "and so on " * 200
    scripted_llm.push(chatty)
    with pytest.raises(LLMTruncated) as caught:
        make_client(llm_settings, ledger, user_max_tokens=30).chat("user", ASK)
    err = caught.value
    assert "user_max_tokens" in str(err) and "30 tokens" in str(err) and "cut off" in str(err)
    assert err.reply.text.startswith("```python\nans = 1\n```") and err.reply.tokens_out == 30
    (entry,) = ledger.entries()
    assert entry["outcome"] == "truncated" and entry["tokens_out"] == 30 and entry["tokens_in"] == err.reply.tokens_in
    assert len(scripted_llm.chat_requests()) == 1  # the same request would be cut off again


def test_context_overflow_says_what_happened_and_what_to_do(scripted_llm, llm_settings, ledger):
    from latm.errors import LLMContextOverflow

    scripted_llm.context_tokens = 5
    with pytest.raises(LLMContextOverflow) as caught:
        make_client(llm_settings, ledger).chat("maker", ASK)
    message = str(caught.value)
    assert "no longer fits" in message and "maximum context length is 5 tokens" in message
    assert "larger context" in message and "maker_max_tokens" in message and "refused" not in message
    assert outcomes(ledger) == ["context_overflow"] and len(scripted_llm.chat_requests()) == 1


def test_a_timeout_is_retried_once_after_a_backoff_and_then_names_a_busy_server(scripted_llm, llm_settings, ledger):
    scripted_llm.push(Delay(1.0), Delay(1.0), "never asked for")
    client = LLMClient(dataclasses.replace(llm_settings, llm_timeout_s=0.3, max_retries=5), ledger, backoff_s=0.5)
    with pytest.raises(LLMUnavailable) as caught:
        client.chat("user", ASK)
    first, second = scripted_llm.chat_requests()
    assert second.time - first.time >= 0.3 + 0.5  # the timeout, then the back-off
    assert outcomes(ledger) == ["timeout", "timeout"]
    message = str(caught.value)
    assert "llm_timeout_s=0.3s" in message and "may still be busy" in message
    scripted_llm.queue.clear()
