"""Fixtures of the routing and questions tests (their conftests import them): workspaces with
stand-in tools, the scripted model server."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from latm.workspace import Workspace
from model_support import TEST_KEY, TEST_KEY_ENV
from sandbox_settings import sandbox_settings
from scripted_llm import ScriptedLLM
from stand_ins import KNOWN_BBH, NEAR_MISS, bbh, near_miss_examples, write_stand_in

@pytest.fixture
def open_ws(tmp_path):
    """``open_ws(**settings)``: a workspace in a temporary folder (no dispatcher model unless given)."""
    opened = []

    def open_workspace(**changes) -> Workspace:
        root = tmp_path / "project"
        root.mkdir(exist_ok=True)
        ws = Workspace(root, sandbox_settings(**{"dispatcher_model": "", **changes}))
        opened.append(ws)
        return ws

    yield open_workspace
    for ws in opened:
        ws.close()


@pytest.fixture
def toolbox(tmp_path) -> Path:
    return tmp_path / "project" / "toolbox"


@pytest.fixture
def near_miss_toolbox(toolbox) -> Path:
    rnd = random.Random(5)
    for task in NEAR_MISS:
        write_stand_in(toolbox, task, near_miss_examples(task, rnd))
    return toolbox


@pytest.fixture
def bbh_toolbox(toolbox) -> Path:
    """Stand-ins for five BIG-Bench Hard families, from each one's first 6 examples."""
    for task in KNOWN_BBH:
        write_stand_in(toolbox, task, bbh(task)[:6])
    return toolbox


@pytest.fixture
def model(monkeypatch):
    """The scripted OpenAI-compatible server, started; a test fails if a request went unanswered."""
    monkeypatch.setenv(TEST_KEY_ENV, TEST_KEY)
    with ScriptedLLM() as server:
        yield server
    assert not server.unexpected, f"requests with no scripted reply: {server.unexpected}"


@pytest.fixture
def model_ws(open_ws, model):
    """``model_ws(**settings)``: a workspace whose every role (dispatcher included) is the scripted server."""
    def open_with_model(**changes) -> Workspace:
        aimed = {"base_url": model.url, "api_key_env": TEST_KEY_ENV, "llm_timeout_s": 5.0, "max_retries": 1,
                 "dispatcher_model": "gpt-4o-mini"}
        return open_ws(**{**aimed, **changes})

    return open_with_model
