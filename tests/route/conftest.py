"""Fixtures of the routing tests: workspaces with stand-in tools, the scripted model server."""

from routing_fixtures import bbh_toolbox, model, model_ws, near_miss_toolbox, open_ws, toolbox  # noqa: F401 (fixtures)
