"""Fixtures of the tests that make and use tools (their conftests import them): a workspace and
its model client aimed at the scripted server (``scripted_llm``), the real Docker sandbox."""

from __future__ import annotations

import pytest

from model_support import TEST_KEY, TEST_KEY_ENV


@pytest.fixture
def llm_settings(scripted_llm, monkeypatch):
    """Settings pointing every role at the scripted server, with a key in a test-only variable."""
    from sandbox_settings import sandbox_settings

    monkeypatch.setenv(TEST_KEY_ENV, TEST_KEY)
    return sandbox_settings(base_url=scripted_llm.url, api_key_env=TEST_KEY_ENV, llm_timeout_s=5.0, max_retries=2)


@pytest.fixture
def workspace(tmp_path, llm_settings):
    """A workspace in a temporary folder: settings aimed at the scripted server, the real Docker
    sandbox (started on first use, removed at teardown)."""
    import dataclasses

    from latm.workspace import Workspace

    root = tmp_path / "project"
    root.mkdir()
    ws = Workspace(root, dataclasses.replace(llm_settings, sandbox="docker", max_retries=3))
    yield ws
    ws.close()


@pytest.fixture
def llm(workspace):
    """``workspace``'s model client, with short backoff so retry tests stay quick."""
    from latm.llm.ledger import Ledger
    from latm.llm.client import LLMClient

    client = LLMClient(workspace.settings, Ledger.in_state_dir(workspace.state_dir), backoff_s=0.05)
    workspace.use_llm(client)
    return client
