"""Plain-data views of tools and problems, shared by the CLI's --json and the language server."""

from __future__ import annotations

from typing import Any, Mapping

from latm.toolbox import state as st
from latm.toolbox.registry import Problem, Registry, Tool


def problem_record(problem: Problem) -> dict[str, Any]:
    return {"path": str(problem.path), "line": problem.line, "message": problem.message, "severity": problem.severity}


def tool_record(tool: Tool, uses: int = 0, last_used: str = "") -> dict[str, Any]:
    m = tool.manifest
    return {
        "name": m.name,
        "summary": m.summary,
        "entry": m.entry,
        "signature": m.signature,
        "origin": m.provenance.origin,
        "maker_model": m.provenance.maker_model,
        "verified": tool.verified,
        "passed": m.verification.passed,
        "total": m.verification.total,
        "verified_at": m.verification.verified_at,
        "sandbox": m.verification.sandbox,
        "parser": m.parser is not None,
        "uses": uses,
        "last_used": last_used,  # time of its latest answer, "" when never used
        "state": tool.state,  # verified | regressed | edited | unverified (latm.toolbox.state)
        "version": m.version,
        "failures": [vars(f) for f in m.verification.failures] if tool.regressed else [],
        "path": str(tool.path),
        "problems": [problem_record(w) for w in tool.warnings],
    }


def tool_details(tool: Tool, uses: int = 0) -> dict[str, Any]:
    """``tool_record`` plus the code, examples and use cases (``latm show``, ``latm.showTool``)."""
    m = tool.manifest
    return tool_record(tool, uses) | {
        "code": tool.code,
        "examples": [vars(e) for e in m.examples],
        "use_cases": [vars(u) for u in m.use_cases],
        "requirements": list(m.requirements),
    }


def tool_list(registry: Registry, uses: Mapping[str, int], last_used: Mapping[str, str] = {}) -> dict[str, Any]:
    """Every tool, by name, with its uses (``latm list --json``, ``latm.listTools``)."""
    tools = sorted(registry.tools.values(), key=lambda t: t.name)
    return {"toolbox": str(registry.toolbox_dir),
            "tools": [tool_record(t, uses.get(t.name, 0), last_used.get(t.name, "")) for t in tools],
            "broken": sorted(registry.broken)}


def verification_text(tool: Tool) -> str:
    v = tool.manifest.verification
    if tool.state == st.EDITED:
        return "edited, not verified"
    if tool.state == st.REGRESSED:
        return f"REGRESSED {v.passed}/{v.total} on {v.sandbox or '?'}"
    if not v.total:
        return "not verified"
    return f"{'verified' if v.ok else 'FAILING'} {v.passed}/{v.total} on {v.sandbox or '?'}"
