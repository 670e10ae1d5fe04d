"""Fixtures of the language-server tests: a project folder and editors attached to `latm serve`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # scripted_llm
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "make"))  # living_support: tools with a flaw found later

from lsp_support import git, server_env, start_editor, stop_editor  # noqa: E402


@pytest.fixture
def root(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    (project / "toolbox").mkdir(parents=True)
    return project


@pytest.fixture
def repo(root: Path) -> Path:
    """``root`` as a git repository with one commit (README.md, notes.txt) on ``main``."""
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "dev@example.com")
    git(root, "config", "user.name", "Dev")
    (root / "README.md").write_text("readme\n")
    (root / "notes.txt").write_text("notes\n")
    git(root, "add", "README.md", "notes.txt")
    git(root, "commit", "-qm", "start")
    return root


@pytest.fixture
async def open_editor():
    """``await open_editor(root, env={...}, initialization_options=..., configuration=...)``."""
    editors = []

    async def start(root: Path, env: dict | None = None, **options):
        editor = await start_editor(root, env=server_env(**(env or {})), **options)
        editors.append(editor)
        return editor

    yield start
    for editor in editors:
        await stop_editor(editor)


@pytest.fixture
def llm():
    """The scripted OpenAI-compatible server; fails the test on a request nothing was scripted for."""
    from scripted_llm import ScriptedLLM

    server = ScriptedLLM().start()
    yield server
    server.stop()
    assert not server.unexpected, f"requests with no scripted reply: {server.unexpected}"
