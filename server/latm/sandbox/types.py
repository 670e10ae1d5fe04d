"""The one interface every part of latm uses to run model-written code.

A *job* is the tool's source code plus a list of calls. Each call runs in a fresh process
(nothing leaks from one call to the next): the tool code is executed as a module, then either
``entry(**args)`` is called, or ``snippet`` is executed in the tool's namespace and the variable
``result_var`` is read from it (the paper's convention: the use-case code sets ``ans``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Protocol

OUTCOMES = ("ok", "error", "timeout", "memory", "output_limit", "crashed", "sandbox_unavailable")


@dataclass(frozen=True)
class Call:
    entry: Optional[str] = None  # function name to call with ``args``
    args: Any = None  # dict (keyword arguments) or list (positional); JSON-serialisable
    snippet: Optional[str] = None  # code run after the tool code, in its namespace
    result_var: Optional[str] = "ans"  # read after ``snippet``; None for tests that only assert


@dataclass
class CallResult:
    outcome: str  # one of OUTCOMES
    value: Any = None  # the return value / ``result_var``, as JSON-compatible data
    error_type: str = ""  # e.g. "AssertionError", "SyntaxError"
    message: str = ""  # the exception message, or what the sandbox did and why
    traceback: list[str] = field(default_factory=list)  # lines in the tool's own code
    stdout: str = ""  # capped
    stderr: str = ""  # capped
    duration_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    def describe(self) -> str:
        """A short text for a person or for feedback to the maker model."""
        if self.ok:
            return f"ok: {self.value!r}"
        head = f"{self.error_type}: {self.message}" if self.error_type else self.message
        tb = "\n".join(self.traceback)
        return f"{self.outcome}: {head}" + (f"\n{tb}" if tb else "")


@dataclass(frozen=True)
class SandboxStatus:
    backend: str  # "docker" | "process" | "unavailable"
    image: str
    warm_containers: int
    isolation: str  # one sentence on what this backend stops
    warning: str = ""  # e.g. the weaker-isolation warning of the auto fallback
    missing_image: str = ""  # Docker answers but this image must be built (the fix for the warning)


@dataclass(frozen=True)
class Installed:
    """A tool's packages, ready for a backend: a derived Docker ``image`` or a ``site`` folder."""

    digest: str  # of the requirement set (``packages.set_digest``)
    image: str = ""  # docker: the derived image's id
    site: str = ""  # process: the folder the packages were installed into
    modules: tuple[str, ...] = ()  # what the tool imports of them: imported ahead of each call

    def worker_args(self, folder: str) -> list[str]:
        """The worker's arguments for packages installed in ``folder``."""
        return ["--packages", folder] + (["--preload", ",".join(self.modules)] if self.modules else [])


class Sandbox(Protocol):
    def run(self, code: str, calls: list[Call], *, timeout_s: Optional[float] = None) -> list[CallResult]:
        """Run each call on a fresh copy of ``code``. Never raises for anything the code does."""

    def status(self) -> SandboxStatus: ...

    def close(self) -> None:
        """Stop and remove every container this sandbox started."""
