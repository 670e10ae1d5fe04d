"""Fixtures of the command-line tests: ``latm`` run in a subprocess, as a user runs it."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(TESTS)]  # the scripted server, the test key

from model_support import TEST_KEY, TEST_KEY_ENV  # noqa: E402
from routing_fixtures import bbh_toolbox, toolbox  # noqa: F401,E402 (fixtures of test_route_pending_cli)
from sandbox_settings import clean_env  # noqa: E402

sys.path.insert(0, str(TESTS / "sandbox"))
from keeper_support import runtime, sorting_project  # noqa: F401,E402 (fixtures of test_keeper_cli)

REPO_TOOLBOX = TESTS.parent / "toolbox"


@pytest.fixture
def latm(tmp_path: Path, request):
    """``latm(*args, stdin=..., memory_mb=...)``: ``python -m latm ARGS --root latm.root`` in a
    subprocess, Docker sandbox; aimed at the scripted model server when the test uses ``scripted_llm``."""
    root = tmp_path / "project"
    (root / "toolbox").mkdir(parents=True)
    env = clean_env(LATM_SANDBOX="docker")
    if "scripted_llm" in request.fixturenames:
        server = request.getfixturevalue("scripted_llm")
        env.update({"LATM_BASE_URL": server.url, "LATM_API_KEY_ENV": TEST_KEY_ENV, TEST_KEY_ENV: TEST_KEY})

    def run(*args: str, stdin=None, text: bool = True, memory_mb: int = 0) -> subprocess.CompletedProcess:
        limit = (lambda: resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20,) * 2)) if memory_mb else None
        return subprocess.run([sys.executable, "-m", "latm", *args, "--root", str(root)], env=env, input=stdin,
                              capture_output=True, text=text, timeout=300, preexec_fn=limit)

    run.root = root
    return run


@pytest.fixture
def committed_tool(latm) -> str:
    """The repository's committed word_sorting tool (verified, with a question parser) in the workspace."""
    shutil.copytree(REPO_TOOLBOX / "word_sorting", latm.root / "toolbox" / "word_sorting")
    return "word_sorting"
