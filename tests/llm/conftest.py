"""Fixtures of the model-client tests: settings aimed at the scripted server."""

from workspace_fixtures import llm, llm_settings, workspace  # noqa: F401 (fixtures)
