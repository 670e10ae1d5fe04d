"""Code actions of a toolbox that learns: "Correct this answer…" on an answer latm inserted, and on
a tool's own files "Repair tool: NAME" (regressed) or "Verify and accept this edit" (a hand edit).
Computed from the document and the registry only; the work is done by the commands they carry."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from lsprotocol import types
from pygls.workspace import TextDocument

from latm.lsp import edits
from latm.lsp.arguments import wire_range
from latm.lsp.kinds import ACCEPT_EDIT, CORRECT, REPAIR
from latm.toolbox import EDITED, EDITED_CODE, REGRESSED_CODE, Tool
from latm.workspace import Workspace

CORRECT_TITLE = "Correct this answer…"
ACCEPT_TITLE = "Verify and accept this edit"


def living_actions(ws: Workspace, doc: TextDocument, client_range: types.Range,
                   diagnostics: list[types.Diagnostic], wants) -> list[types.CodeAction]:
    """``wants(kind)``: whether the client asked for actions of that kind."""
    found = []
    line = doc.range_from_client_units(client_range).start.line
    one_line = client_range.start.line == client_range.end.line
    if one_line and wants(CORRECT) and edits.answered_question(doc.lines, line):
        found.append(_action(CORRECT_TITLE, CORRECT, "latm.correctAnswer", {"uri": doc.uri, "range": wire_range(
            types.Range(types.Position(line, 0), types.Position(line, 0)))}))
    tool = _tool_of(ws, doc)
    if tool is not None and tool.regressed and wants(REPAIR):
        fixes = [d for d in diagnostics if d.code == REGRESSED_CODE]
        found.append(_action(f"Repair tool: {tool.name}", REPAIR, "latm.repairTool", {"name": tool.name}, fixes))
    if tool is not None and tool.state == EDITED and wants(ACCEPT_EDIT):
        fixes = [d for d in diagnostics if d.code == EDITED_CODE]
        found.append(_action(ACCEPT_TITLE, ACCEPT_EDIT, "latm.verifyTool", {"name": tool.name}, fixes))
    return found


def is_tool_file(ws: Workspace, doc: TextDocument) -> bool:
    """``doc`` is a tool's tool.toml or tool.py (no question to solve there)."""
    path = Path(doc.path or "")
    return path.name in ("tool.toml", "tool.py") and path.parent.parent == ws.toolbox_dir


def _tool_of(ws: Workspace, doc: TextDocument) -> Optional[Tool]:
    return ws.registry.tools.get(Path(doc.path).parent.name) if is_tool_file(ws, doc) else None


def _action(title: str, kind: str, command: str, arguments: dict,
            diagnostics: Optional[list[types.Diagnostic]] = None) -> types.CodeAction:
    return types.CodeAction(title=title, kind=kind, diagnostics=diagnostics or None, is_preferred=bool(diagnostics) or None,
                            command=types.Command(title=title, command=command, arguments=[arguments]))
