"""What a tool call answers over MCP: structured content plus the same as text, or an error result.

An error a tool call meets (bad arguments, a time-out, the tool's exception, no answer) is a
result with ``isError`` set and one clear sentence, so the agent reads it and can correct itself;
the protocol-level errors are kept for requests that name no such tool.
"""

from __future__ import annotations

import json
from typing import Any

import mcp_types as types


def ok(data: dict[str, Any]) -> types.CallToolResult:
    text = json.dumps(data, ensure_ascii=False)
    return types.CallToolResult(content=[types.TextContent(text=text)], structured_content=data)


def failed(message: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(text=message)], is_error=True)
