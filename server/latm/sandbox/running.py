"""Running calls for a caller that needs their results: a sandbox that could not run them at all
(``sandbox_unavailable``) raises, so an infrastructure fault never reads as the tool's failure."""

from __future__ import annotations

from typing import Optional

from latm.errors import SandboxUnavailable
from latm.sandbox.types import Call, CallResult, Sandbox


def run_calls(sandbox: Sandbox, code: str, calls: list[Call], timeout_s: Optional[float] = None) -> list[CallResult]:
    results = sandbox.run(code, calls, timeout_s=timeout_s)
    for result in results:
        if result.outcome == "sandbox_unavailable":
            raise SandboxUnavailable(result.message or "The sandbox is not available.")
    return results
