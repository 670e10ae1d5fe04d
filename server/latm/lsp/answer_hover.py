"""Hover on an answer latm inserted: which tool gave it (the answer log) and its state; an answer
from a regressed tool carries the tool's warning, with what to do about it."""

from __future__ import annotations

from typing import Optional

from lsprotocol import types
from pygls.workspace import TextDocument

from latm.questions import last_tool_for
from latm.lsp import edits
from latm.safe_text import escape_controls
from latm.toolbox import regression_summary, verification_text
from latm.workspace import Workspace


def answer_hover(ws: Workspace, doc: TextDocument, position: types.Position) -> Optional[types.Hover]:
    lines = doc.lines
    found = edits.answered_question(lines, position.line)
    if found is None:
        return None
    tool = ws.registry.tools.get(last_tool_for(ws, found[0]))
    if tool is None:
        return None
    text = f"Answer from latm tool **{tool.name}** ({verification_text(tool)})"
    if tool.regressed:
        text += (f"\n\n**warning**: {regression_summary(tool.manifest)}; this answer may be wrong. If it is, write "
                 "the right one on this line and use \"Correct this answer…\".")
    end = len(lines[position.line].rstrip("\r\n"))
    span = types.Range(types.Position(position.line, 0), types.Position(position.line, end))
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=escape_controls(text)),
                       range=doc.position_codec.range_to_client_units(lines, span))
