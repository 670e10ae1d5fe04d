"""Fixtures of the MCP tests: a user of their own, a project with the committed toolbox, whose tools
that user trusts."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # scripted_llm

from mcp_support import User, trusted_project  # noqa: E402


@pytest.fixture
def user(tmp_path: Path) -> User:
    home = tmp_path / "home"
    home.mkdir()
    return User(home)


@pytest.fixture
def project(tmp_path: Path, user: User) -> Path:
    return trusted_project(tmp_path, user)
