"""Fixtures of the making tests: a workspace and model client aimed at the scripted server."""

from workspace_fixtures import llm, llm_settings, workspace  # noqa: F401 (fixtures)
