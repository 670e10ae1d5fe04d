"""What the editor is told about the toolbox: the tool list, and after a reload the
``latm/toolboxChanged`` notification and the diagnostics of the tools that changed.

A reload touches a few tools; with a thousand in the toolbox, resending every record (hundreds
of kilobytes) and re-reading every flagged file on each change would cost more than the
reload. So above ``FULL_LIST_MAX`` tools the notification carries only the changed records
(``complete: false``; a client merges them by name and drops ``removed``), and diagnostics are
recomputed only for the changed tools' folders.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Optional

from latm import toolbox
from latm.questions import usage_per_tool
from latm.toolbox import Problem, Registry, tool_record
from latm.workspace import Workspace

TOOLBOX_CHANGED = "latm/toolboxChanged"
FULL_LIST_MAX = 200


def tool_list(ws: Workspace) -> dict:
    """Every tool (``latm.listTools``)."""
    return toolbox.tool_list(ws.registry, *usage(ws))


def uses_per_tool(ws: Workspace) -> dict:
    return usage(ws)[0]


def usage(ws: Workspace) -> tuple[dict, dict]:
    """(uses, time of the latest use) per tool."""
    return usage_per_tool(ws)


def change_payload(ws: Workspace, changed: Optional[set[str]]) -> dict:
    """``latm/toolboxChanged`` after a reload of ``changed`` (None: everything, as on opening).
    The whole list while it is small; above that, the changed records only."""
    registry = ws.registry
    names = set(registry.tools) | set(registry.broken) if changed is None else changed
    removed = sorted(n for n in names if n not in registry.tools)
    if changed is None or len(registry.tools) <= FULL_LIST_MAX:
        return tool_list(ws) | {"changed": sorted(names), "removed": removed, "complete": True}
    uses, last = usage(ws)
    tools = [tool_record(registry.tools[n], uses[n], last.get(n, "")) for n in sorted(changed) if n in registry.tools]
    return {"toolbox": str(ws.toolbox_dir), "tools": tools, "broken": sorted(registry.broken),
            "changed": sorted(changed), "removed": removed, "complete": False, "count": len(registry.tools)}


def problems_of(registry: Registry, names: Optional[Iterable[str]] = None) -> list[Problem]:
    """The problems of the tools ``names`` (all tools when None)."""
    if names is None:
        return registry.problems()
    found: list[Problem] = []
    for name in names:
        found += registry.broken.get(name, [])
        tool = registry.tools.get(name)
        found += list(tool.warnings) if tool else []
    return found


def folders_of(ws: Workspace, names: Optional[Iterable[str]]) -> Optional[list[Path]]:
    return None if names is None else [ws.toolbox_dir / n for n in names]
