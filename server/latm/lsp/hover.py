"""Hover cards for toolbox tools: on a call of a tool in Python code, and in a tool's own files.

Everything here reads text and the registry; no tool code runs.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

from lsprotocol import types
from pygls.workspace import TextDocument

from latm.safe_text import escape_controls
from latm.toolbox import Registry, Tool, regression_summary, verification_text

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# from toolbox.NAME.tool import entry [as alias], ...   (any package path before NAME)
_IMPORT = re.compile(r"^\s*from\s+(?:[\w.]+\.)?(?P<tool>[a-z][a-z0-9_]*)\.tool\s+import\s+\(?(?P<names>[^)#\n]+)", re.M)


def word_at(line: str, character: int) -> Optional[tuple[str, int, int]]:
    for match in _WORD.finditer(line):
        if match.start() <= character <= match.end():
            return match.group(), match.start(), match.end()
    return None


def imported_tools(source: str) -> dict[str, str]:
    """Local name -> tool name, from ``from ...NAME.tool import entry as alias`` lines."""
    found = {}
    for match in _IMPORT.finditer(source):
        for part in match.group("names").split(","):
            words = part.split()
            if words:
                found[words[-1]] = match.group("tool")
        found[match.group("tool")] = match.group("tool")
    return found


def tool_at(registry: Registry, path: Path, source: str, position: types.Position) -> Optional[tuple[Tool, tuple[int, int]]]:
    """The tool the cursor is on, and the word's column span."""
    lines = source.splitlines()
    if position.line >= len(lines):
        return None
    line = lines[position.line]
    hit = word_at(line, position.character)
    folder_tool = _folder_tool(registry, path)
    if folder_tool is not None:
        m = folder_tool.manifest
        names = {m.name, m.entry} | ({m.parser.parse, m.parser.format} if m.parser else set())
        if position.line == 0 or (hit and hit[0] in names):
            return folder_tool, (hit[1], hit[2]) if hit else (0, len(line))
        return None
    if hit is None or path.suffix != ".py":
        return None
    word, start, end = hit
    tool = _called_tool(registry, imported_tools(source), word, line[end:], line)
    return (tool, (start, end)) if tool else None


def _folder_tool(registry: Registry, path: Path) -> Optional[Tool]:
    try:
        relative = path.resolve().relative_to(registry.toolbox_dir.resolve())
    except (ValueError, OSError, RuntimeError):  # not in the toolbox; RuntimeError: a loop of links
        return None
    return registry.tools.get(relative.parts[0]) if len(relative.parts) == 2 else None


def _called_tool(registry: Registry, imports: dict[str, str], word: str, after: str, line: str) -> Optional[Tool]:
    tools = registry.tools
    in_import = bool(_IMPORT.match(line))
    if word in imports and (in_import or after.lstrip().startswith("(")):
        return tools.get(imports[word])
    if not after.lstrip().startswith("("):
        return None
    # A call of an entry function that was not imported by name: only when one tool has it.
    owners = [t for t in tools.values() if t.manifest.entry == word]
    return owners[0] if len(owners) == 1 else None


def card(tool: Tool) -> str:
    m = tool.manifest
    maker = f" by {m.provenance.maker_model}" if m.provenance.maker_model else ""
    verified_at = f" at {m.verification.verified_at}" if m.verification.verified_at else ""
    parser = "yes: answers need no model" if m.parser else "no: answers need the user model"
    lines = [
        f"**{m.name}** (latm tool): {m.summary}",
        "",
        f"```python\n{m.signature}\n```",
        f"- origin: {m.provenance.origin}{maker}" + (f", {m.provenance.created}" if m.provenance.created else ""),
        f"- verification: {verification_text(tool)}{verified_at}",
        f"- version: {m.version}" + (f" ({m.history[-1].reason})" if m.history else ""),
        *([f"- **warning**: {regression_summary(m)}; its answers may be wrong"] if tool.regressed else []),
        f"- question parser: {parser}",
        f"- folder: `{tool.path}`",
        *(f"- {w.severity}: {w.message}" for w in tool.warnings),
    ]
    return "\n".join(lines)


def hover(registry: Registry, doc: TextDocument, position: types.Position) -> Optional[types.Hover]:
    source = doc.source
    lines = source.splitlines()
    server = doc.position_codec.position_from_client_units(lines, types.Position(position.line, position.character))
    found = tool_at(registry, Path(doc.path), source, types.Position(server.line, server.character))
    if found is None:
        return None
    tool, (start, end) = found
    span = types.Range(types.Position(server.line, start), types.Position(server.line, end))
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=escape_controls(card(tool))),
        range=doc.position_codec.range_to_client_units(lines, span),
    )
