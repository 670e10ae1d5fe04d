"""The toolbox as MCP tools: one per verified latm tool, named as the tool, described from its
manifest and its code (read with ``ast`` only), with an input schema from its entry function.

Broken tools never reach the registry's list and unverified ones are left out here. A tool's
definition is built once per loaded version of it (the registry swaps the ``Tool`` object when
the folder changes), so listing a large toolbox repeatedly costs a dictionary lookup per tool.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from typing import Optional

import mcp_types as types

from latm.mcp.schema import ArgumentCheck, Signature, read_signature, use_case_arguments
from latm.source import CodeProblem
from latm.toolbox import Registry, Tool

log = logging.getLogger(__name__)
SHOWN_CHARS = 600  # of a worked example's question or arguments in a description
RESULT_KEY = "result"  # structuredContent is {"result": <the function's return value>}


@dataclass(frozen=True)
class Listed:
    tool: Tool
    signature: Signature
    definition: types.Tool
    check: ArgumentCheck


def listable(tool: Tool) -> bool:
    """Only tools whose every test passed are offered to agents."""
    return tool.verified


class Catalog:
    """The listed tools of a registry, up to date with its last reload."""

    def __init__(self, registry: Registry, reserved: frozenset[str] = frozenset()) -> None:
        self.registry = registry
        self.reserved = reserved  # latm's own tool names; a toolbox tool of that name is not listed
        self._seen: dict[str, tuple[Tool, Optional[Listed]]] = {}  # per loaded version of each tool
        self._lock = threading.Lock()

    def tools(self) -> dict[str, Listed]:
        with self._lock:
            seen = {}
            for name, tool in sorted(self.registry.tools.items()):
                known = self._seen.get(name)
                seen[name] = known if known is not None and known[0] is tool else (tool, self._listed(tool))
            self._seen = seen
            return {name: listed for name, (_, listed) in seen.items() if listed is not None}

    def get(self, name: str) -> Optional[Listed]:
        return self.tools().get(name)

    def _listed(self, tool: Tool) -> Optional[Listed]:
        if not listable(tool):
            return None
        if tool.name in self.reserved:
            log.warning("tool %r is not offered over MCP: one of latm's own MCP tools has that name", tool.name)
            return None
        m = tool.manifest
        try:
            signature = read_signature(tool.code, m.entry, [case.code for case in m.use_cases])
        except CodeProblem as err:
            log.warning("tool %r is not offered over MCP: %s", tool.name, err)
            return None
        definition = types.Tool(
            name=m.name,
            description=description(tool, signature),
            input_schema=signature.input_schema(),
            output_schema={"type": "object", "properties": {RESULT_KEY: signature.returns}, "required": [RESULT_KEY]},
            annotations=types.ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False),
        )
        return Listed(tool, signature, definition, ArgumentCheck(definition.input_schema))


def description(tool: Tool, signature: Signature) -> str:
    m, v = tool.manifest, tool.manifest.verification
    doc = signature.docstring.strip()
    returns = (f"{signature.returns_text}, as" if signature.returns_text
               else "the function's return value (no type is annotated), as")
    parts = [
        m.summary,
        *([doc] if doc and doc != m.summary else []),
        f"Function: {m.signature}",
        f"Returns: {returns} structuredContent.{RESULT_KEY} and as JSON text.",
        *([example] if (example := worked_example(tool, signature)) else []),
        f"Verified: {v.passed}/{v.total} tests passed in the {v.sandbox or 'unknown'} sandbox. Calls run in "
        "latm's sandbox (no network, a time limit).",
    ]
    return "\n\n".join(parts)


def worked_example(tool: Tool, signature: Signature) -> str:
    """One verified use case as a call: its question, the arguments, the question's known answer."""
    answers = {e.question: e.answer for e in tool.manifest.examples}
    positional, keyword_only = signature.names()
    for case in tool.manifest.use_cases:
        arguments = use_case_arguments(case.code, signature.entry, positional, keyword_only)
        if arguments is None:
            continue
        answer = answers.get(case.question)
        said = f" The answer to that question is {_short(json.dumps(answer, ensure_ascii=False))}." if answer else ""
        return (f"Example: for the question {_short(json.dumps(case.question, ensure_ascii=False))}, call "
                f"{tool.name} with {_short(json.dumps(arguments, ensure_ascii=False))}.{said}")
    return ""


def _short(text: str) -> str:
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"
