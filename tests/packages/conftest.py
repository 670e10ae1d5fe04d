"""Fixtures of the package tests: workspaces whose settings allow packages, aimed at the scripted
model, on the real Docker engine or the ``process`` backend, with real pip and the package index.

Derived images a test session builds are removed at its end (they are ~2 MB of layers each on the
base, numpy's ~60 MB); the wheel cache is the user's own (``~/.cache/latm/wheels``), shared and
content-addressed, so a second run downloads nothing.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(TESTS)]

from model_support import TEST_KEY, TEST_KEY_ENV  # noqa: E402
from packages_support import derived_tags, untag  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def remove_derived_images():
    """Every derived image this session tagged is untagged when it ends (removed with its last tag)."""
    before = derived_tags()
    yield
    untag(derived_tags() - before)


@pytest.fixture
def make_workspace(tmp_path, scripted_llm, monkeypatch):
    """``make_workspace(allowed=("roman",), sandbox="docker")``: a workspace in a fresh folder,
    every model role aimed at the scripted server; closed at the end of the test."""
    from latm.workspace import Workspace
    from sandbox_settings import sandbox_settings

    monkeypatch.setenv(TEST_KEY_ENV, TEST_KEY)
    opened = []

    def make(allowed=(), sandbox="docker", folder="project", **overrides):
        root = tmp_path / folder
        root.mkdir(exist_ok=True)
        settings = sandbox_settings(base_url=scripted_llm.url, api_key_env=TEST_KEY_ENV, llm_timeout_s=10.0,
                                    max_retries=3, sandbox=sandbox, allowed_packages=tuple(allowed))
        ws = Workspace(root, dataclasses.replace(settings, **overrides))
        opened.append(ws)
        return ws

    yield make
    for ws in opened:
        ws.close()
