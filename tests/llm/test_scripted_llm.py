"""The scripted server speaks the OpenAI wire format well enough for the real SDK."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openai
import pytest

from scripted_llm import Delay, bad_key, count_tokens, rate_limited, server_error

SCRIPT = Path(__file__).resolve().parents[1] / "scripted_llm.py"


def client(server, **kw):
    return openai.OpenAI(base_url=server.url, api_key="sk-test", max_retries=0, **kw)


def ask(server, text="hello", model="gpt-4o", **kw):
    return client(server, **kw).chat.completions.create(model=model, messages=[{"role": "user", "content": text}])


def test_reply_usage_and_recording(scripted_llm):
    scripted_llm.push("Here it is:\n```python\ndef f():\n    return 1\n```")
    reply = ask(scripted_llm, "Write f please.")
    assert reply.choices[0].message.content.startswith("Here it is:")
    assert reply.usage.completion_tokens == count_tokens(reply.choices[0].message.content)
    assert reply.usage.prompt_tokens == count_tokens("Write f please.") + 4
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens
    (request,) = scripted_llm.chat_requests()
    assert request.prompt == "Write f please." and request.model == "gpt-4o" and request.api_key == "sk-test"


def test_responder_sees_messages_and_model(scripted_llm):
    scripted_llm.respond = lambda messages, model: f"{model}: {len(messages)}"
    assert ask(scripted_llm, model="gpt-4o-mini").choices[0].message.content == "gpt-4o-mini: 1"


@pytest.mark.parametrize(
    "fault, error",
    [
        (rate_limited(2), openai.RateLimitError),
        (server_error(500), openai.InternalServerError),
        (server_error(503), openai.InternalServerError),
        (bad_key("sk-0123456789"), openai.AuthenticationError),
    ],
)
def test_faults_reach_the_sdk_as_its_own_errors(scripted_llm, fault, error):
    scripted_llm.push(fault)
    with pytest.raises(error) as caught:
        ask(scripted_llm)
    assert caught.value.status_code == fault.status
    assert caught.value.body["message"] == fault.body["error"]["message"]
    if fault.status == 429:
        assert caught.value.response.headers["retry-after"] == "2"


def test_unknown_model_and_wrong_key_by_configuration(scripted_llm):
    with pytest.raises(openai.NotFoundError) as caught:
        ask(scripted_llm, model="gpt-9")
    assert caught.value.code == "model_not_found"
    scripted_llm.api_key = "sk-right"
    with pytest.raises(openai.AuthenticationError):
        ask(scripted_llm)
    assert [m.id for m in client(scripted_llm).models.list()][:2] == ["gpt-4o", "gpt-4o-mini"]


def test_delay_past_the_client_timeout(scripted_llm):
    scripted_llm.push(Delay(1.0, "too late"), "on time")
    with pytest.raises(openai.APITimeoutError):
        ask(scripted_llm, timeout=0.3)
    assert ask(scripted_llm).choices[0].message.content == "on time"


def test_unscripted_request_is_reported(scripted_llm):
    with pytest.raises(openai.BadRequestError):
        ask(scripted_llm, "nobody expects this")
    assert scripted_llm.unexpected == ["nobody expects this"]
    scripted_llm.unexpected.clear()


def test_out_of_process_with_a_json_script(tmp_path):
    script = tmp_path / "script.json"
    script.write_text(json.dumps({"replies": [{"status": 429, "retry_after": 0.1}, "second"], "api_key": "sk-x"}))
    record = tmp_path / "requests.jsonl"
    proc = subprocess.Popen([sys.executable, str(SCRIPT), "--port", "0", "--script", str(script), "--record", str(record)],
                            stdout=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().split()[-1]
        sdk = openai.OpenAI(base_url=url, api_key="sk-x", max_retries=1)  # the SDK's own retry honours retry-after
        reply = sdk.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
        assert reply.choices[0].message.content == "second"
    finally:
        proc.terminate()
        proc.wait(5)
    lines = [json.loads(line) for line in record.read_text().splitlines()]
    assert [line["body"]["messages"][0]["content"] for line in lines] == ["hi", "hi"]


def test_out_of_process_with_a_python_script(tmp_path):
    script = tmp_path / "script.py"
    script.write_text("models = ['local-model']\n\ndef respond(messages, model):\n"
                      "    return f'{model} read: ' + messages[-1]['content'][::-1]\n")
    proc = subprocess.Popen([sys.executable, str(SCRIPT), "--script", str(script)], stdout=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().split()[-1]
        sdk = openai.OpenAI(base_url=url, api_key="any", max_retries=0)
        reply = sdk.chat.completions.create(model="local-model", messages=[{"role": "user", "content": "abc"}])
        assert reply.choices[0].message.content == "local-model read: cba"
        with pytest.raises(openai.NotFoundError):
            sdk.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "abc"}])
    finally:
        proc.terminate()
        proc.wait(5)
