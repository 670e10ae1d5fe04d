"""Fixtures of the MCP tests: a user of their own, a project with the committed toolbox."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # scripted_llm

from mcp_support import User, project_with_toolbox  # noqa: E402


@pytest.fixture
def user(tmp_path: Path) -> User:
    home = tmp_path / "home"
    home.mkdir()
    return User(home)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return project_with_toolbox(tmp_path)
