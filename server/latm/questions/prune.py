"""``latm prune``: tools nobody used for a while, found from the answer log, and removed on request.

A tool counts as unused when its latest answer (``.latm/answers.jsonl``) and its latest version
are both older than the given number of days; a tool with reported examples is never listed, as
a person cared enough to correct it. Removing is the store's atomic delete; committing the
removal is the commit command's (``latm prune --yes --commit``, or Commit Tool in the editor).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Optional

from latm.questions.answer_log import usage_per_tool
from latm.errors import ToolNotFound
from latm.toolbox.registry import Tool
from latm.toolbox.store import delete_tool
from latm.workspace import Workspace


@dataclass(frozen=True)
class Unused:
    name: str
    uses: int
    last_used: str  # "" when never used
    active: str  # the latest of its last use and its latest version: what the days count from


def unused_tools(ws: Workspace, days: float, now: Optional[datetime] = None) -> list[Unused]:
    now = now or datetime.now(timezone.utc)
    cutoff = now - timedelta(days=days)
    uses, last = usage_per_tool(ws)
    found = []
    for tool in sorted(ws.registry.tools.values(), key=lambda t: t.name):
        if any(e.split == "reported" for e in tool.manifest.examples):
            continue
        known = [(when, text) for text in (last.get(tool.name, ""), _made(tool)) if (when := _time(text))]
        active = max(known) if known else None
        if active is None or active[0] < cutoff:
            found.append(Unused(tool.name, uses.get(tool.name, 0), last.get(tool.name, ""), active[1] if active else ""))
    return found


def remove_tools(ws: Workspace, names: list[str]) -> list[str]:
    """Delete each tool's folder (one atomic step each); the names that were removed."""
    removed = []
    for name in names:
        try:
            delete_tool(ws.toolbox_dir, name)
        except ToolNotFound:
            continue  # gone already
        removed.append(name)
    ws.registry.reload(set(names))
    return removed


def _made(tool: Tool) -> str:
    m = tool.manifest
    return m.history[-1].time if m.history else m.provenance.created or m.verification.verified_at


def _time(text: str) -> Optional[datetime]:
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
