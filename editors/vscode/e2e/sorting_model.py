"""The model behind the end-to-end suite, served by tests/scripted_llm.py on loopback.

It is the wire test's word-sorting maker and tool user (test/wire/word_sorting_model.py: fenced
python replies, a first proposal that forgets an import), plus one thing a real endpoint does
too: it can take a long time. Examples that mention ``SLOW_WORD`` get their proposal only after
``SLOW_S`` seconds, so a make of them is still waiting for the model when the user cancels it.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from scripted_llm import Delay

_spec = importlib.util.spec_from_file_location(
    "word_sorting_model", Path(__file__).resolve().parents[1] / "test" / "wire" / "word_sorting_model.py")
wire = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(wire)

api_key = "sk-e2e-test-key"
models = wire.models
MAKER, USER = wire.models
SLOW_WORD = "slowpoke"
SLOW_S = 600.0


def respond(messages: list, model: str):
    prompt = str(messages[-1].get("content", ""))
    if model == MAKER and SLOW_WORD in prompt and "Write a generic Python function" in prompt:
        return Delay(SLOW_S, wire.BROKEN_PROPOSAL)
    return wire.respond(messages, model)


def slow_request_seen(requests: list) -> bool:
    """Whether the slow proposal has been asked for (the make is now waiting on the model)."""
    return any(SLOW_WORD in r.prompt and "Write a generic Python function" in r.prompt for r in requests)
