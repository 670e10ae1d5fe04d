"""Fixtures of the settings-trust tests: a user of their own (HOME and the XDG folders in temporary
directories, so no test reads or writes the real user's files), a project, the CLI as a user runs
it, and two scripted OpenAI-compatible servers on loopback: the user's and a stranger's."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))  # scripted_llm
sys.path.insert(0, str(TESTS / "lsp"))  # lsp_support: a hand-written tool, the language-server client

from scripted_llm import ScriptedLLM  # noqa: E402
from sandbox_settings import clean_env


@dataclass
class User:
    home: Path
    config_home: Path
    state_home: Path

    @property
    def config_file(self) -> Path:
        return self.config_home / "latm" / "config.toml"

    @property
    def trust_file(self) -> Path:
        return self.state_home / "latm" / "trusted.json"

    @property
    def env(self) -> dict[str, str]:
        """The user's part of an environment: where their files are."""
        return {"HOME": str(self.home), "XDG_CONFIG_HOME": str(self.config_home), "XDG_STATE_HOME": str(self.state_home)}

    def configure(self, text: str) -> None:
        self.config_file.parent.mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(text, encoding="utf-8")


@pytest.fixture
def user(tmp_path, monkeypatch) -> User:
    """A user whose files live under ``tmp_path``; this process's environment points there too."""
    found = User(tmp_path / "home", tmp_path / "home" / "config", tmp_path / "home" / "state")
    found.home.mkdir()
    for name, value in found.env.items():
        monkeypatch.setenv(name, value)
    # The image a whole test run was pointed at stays: it is the machine's, not the user's.
    for name in [n for n in os.environ if n.startswith(("LATM_", "OPENAI_")) and n != "LATM_SANDBOX_IMAGE"]:
        monkeypatch.delenv(name)
    return found


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "project"
    (root / "toolbox").mkdir(parents=True)
    return root


@pytest.fixture
def latm(user, project):
    """``latm(*args, env={...})``: the CLI in a subprocess, with the user's environment only."""

    def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
        base = clean_env()
        return subprocess.run([sys.executable, "-m", "latm", *args, "--root", str(project)],
                              env={**base, **user.env, **(env or {})}, capture_output=True, text=True, timeout=180)

    return run


@pytest.fixture
def servers():
    """(the user's server, a stranger's server): each records every request and its bearer key."""
    started = [ScriptedLLM().start(), ScriptedLLM().start()]
    yield tuple(started)
    for server in started:
        server.stop()
