"""Fixtures of the evaluation tests: the scripted model on loopback, a project with a toolbox,
and the real CLI."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # scripted_llm, bbh, families: the scripted maker and user

from scripted_llm import ScriptedLLM  # noqa: E402


@pytest.fixture
def scripted_llm():
    """A started ScriptedLLM; fails the test on a request nothing was scripted for."""
    server = ScriptedLLM().start()
    yield server
    server.stop()
    assert not server.unexpected, f"requests with no scripted reply: {server.unexpected}"


@pytest.fixture
def project(tmp_path):
    """A workspace folder holding a copy of the repository's word_sorting tool."""
    from eval_support import project_with_tools

    return project_with_tools(tmp_path / "project", "word_sorting")
