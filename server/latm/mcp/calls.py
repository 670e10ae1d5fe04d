"""An agent's call of a listed tool: arguments checked, the entry function run in the workspace's
sandbox, the answer counted (path ``mcp``), the value or a clear error sent back.

Blocking (the sandbox call): the server runs it in a worker thread.
"""

from __future__ import annotations

import json
from typing import Any

import mcp_types as types

from latm.errors import LatmError
from latm.mcp import results
from latm.mcp.catalog import RESULT_KEY, Listed
from latm.questions import MCP, record_answer
from latm.sandbox import Call, CallResult, run_calls
from latm.workspace import Workspace


def call_listed(ws: Workspace, listed: Listed, arguments: dict[str, Any]) -> types.CallToolResult:
    name = listed.tool.name
    problem = listed.check.problem(arguments)
    if problem:
        return results.failed(f"Bad arguments for {name}: {problem}. Nothing was run; the input schema of "
                              f"{name} says what it takes.")
    call = Call(entry=listed.signature.entry, args=listed.signature.call_args(arguments))
    try:
        (result,) = run_calls(ws.sandbox_for(listed.tool.manifest.requirements), listed.tool.code, [call],
                              ws.settings.timeout_s)
    except LatmError as err:  # e.g. the sandbox cannot start
        return results.failed(f"{name} could not run: {err}")
    if not result.ok:
        return results.failed(failure_text(name, result))
    record_answer(ws, json.dumps({name: arguments}, sort_keys=True), name, MCP)
    return results.ok({RESULT_KEY: result.value})


def failure_text(name: str, result: CallResult) -> str:
    if result.outcome == "error":
        return f"{name} raised {result.error_type}: {result.message}{_where(result.traceback)}"
    if result.outcome == "timeout":
        return f"{name} timed out in the sandbox: {result.message} (the limit is the setting timeout_s)."
    return f"{name} failed in the sandbox ({result.outcome}): {result.message}"


def _where(traceback: list[str]) -> str:
    """`` (tool.py line 3, in f: return [x][y])`` from the sandbox's traceback of the tool's own code."""
    frames = [i for i, line in enumerate(traceback) if line.lstrip().startswith('File "<tool>"')]
    if not frames:
        return ""
    frame = traceback[frames[-1]].strip()
    place = frame.split(", ", 1)[1] if ", " in frame else frame
    code = traceback[frames[-1] + 1].strip() if frames[-1] + 1 < len(traceback) else ""
    return f" (tool.py {place}" + (f": {code})" if code else ")")
