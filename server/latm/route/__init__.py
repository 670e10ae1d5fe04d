"""Routing: which tool answers a question, or none.

- ``route(ws, question, offline=False) -> Decision``: retrieval over the toolbox (``index``), the
  dispatcher model only when unsure; "no tool fits" is an answer (``Decision.tool is None``).
- ``quick_route(ws, question) -> QuickRoute``: the tools worth offering in a menu, no model call.
- ``index_for(ws)``: the retrieval index, kept current as the registry changes (and in ``.latm/cache/``).
"""

from latm.route.decision import Decision, QuickRoute, quick_route, route
from latm.route.index import Match, index_for

__all__ = ["Decision", "Match", "QuickRoute", "index_for", "quick_route", "route"]
