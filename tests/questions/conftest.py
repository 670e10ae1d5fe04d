"""Fixtures of the questions tests: workspaces with stand-in tools, the scripted model server, and a
workspace whose tools are made through the real make."""

from routing_fixtures import bbh_toolbox, model, model_ws, near_miss_toolbox, open_ws, toolbox  # noqa: F401 (fixtures)
from workspace_fixtures import llm, llm_settings, workspace  # noqa: F401 (fixtures)
