"""The sandbox as one tool sees it: calls run where its packages are installed, and code that
imports anything but the standard library and the allowed packages is refused before it runs.

``PackagedSandbox(packages, pins)`` serves a committed tool (its manifest's pins);
``PackagedSandbox(packages, None)`` serves a make: each run's set follows what the code imports,
and ``requirements(code)`` gives the pins to record in the manifest. Refused imports come back as
the calls' errors (``ImportNotAllowed``, naming the import: the maker reads it); a tool whose pins
the settings refuse, or whose files cannot be had, raises ``PackagesRefused`` /
``PackagesUnavailable`` before anything runs.
"""

from __future__ import annotations

from typing import Optional

from latm.progress import ProgressCallback, no_progress
from latm.requirement_specs import Pin
from latm.sandbox import jobs
from latm.sandbox.imports import STANDARD, imported
from latm.sandbox.packages import LockedSet
from latm.sandbox.tool_packages import ToolPackages
from latm.sandbox.types import Call, CallResult, SandboxStatus

REFUSED = "ImportNotAllowed"


class PackagedSandbox:
    def __init__(self, packages: ToolPackages, pins: Optional[tuple[Pin, ...]],
                 progress: ProgressCallback = no_progress) -> None:
        self.packages, self.pins, self.progress = packages, pins, progress
        self.base = packages.sandbox

    def run(self, code: str, calls: list[Call], *, timeout_s: Optional[float] = None) -> list[CallResult]:
        names = _imports(code, calls)
        allowed = self.packages.allowed_modules(self._pinned() if self.pins is not None else self._catalog(names))
        outside = sorted(n for n in names if n not in STANDARD and n not in allowed)
        if outside:
            message = self.packages.refused_imports(outside, self.progress)
            return [jobs.error("error", message, REFUSED) for _ in calls]
        locked = self._pinned() if self.pins is not None else self.packages.for_imports(names, self.progress)
        installed = self.packages.installed(locked, self.progress)
        if installed is None:
            return self.base.run(code, calls, timeout_s=timeout_s)
        results = self.base.run(code, calls, timeout_s=timeout_s, packages=installed)
        gone = [i for i, result in enumerate(results) if result.error_type == jobs.IMAGE_GONE]
        if gone:  # a prune removed the derived image this process kept: built again, once
            self.packages.forget(installed)
            installed = self.packages.installed(locked, self.progress)
            again = self.base.run(code, [calls[i] for i in gone], timeout_s=timeout_s, packages=installed)
            for i, result in zip(gone, again):
                results[i] = result
        return results

    def requirements(self, *sources: str) -> tuple[str, ...]:
        """The pins a tool records whose code and use cases are ``sources``: its packages and every
        dependency."""
        if self.pins is not None:
            return tuple(str(pin) for pin in self.pins)
        names = set().union(*(imported(source) for source in sources))
        return tuple(str(pin) for pin in self.packages.for_imports(names, self.progress).pins)

    def described(self) -> str:
        """The allowed packages for the maker's prompts: "roman 5.2 (import roman), ..."; "" for none."""
        return self.packages.described(self.progress) if self.packages.allowed else ""

    def _pinned(self) -> LockedSet:
        """A committed tool's set (``ToolPackages`` judges and fetches each set once)."""
        return self.packages.for_pins(self.pins, self.progress) if self.pins else LockedSet(())

    def _catalog(self, names: set[str]) -> LockedSet:
        """Resolve the allowed list only when the code imports something beyond the standard library."""
        return self.packages.catalog(self.progress) if names - STANDARD else LockedSet(())

    def status(self) -> SandboxStatus:
        return self.base.status()

    def close(self) -> None:
        """The workspace owns the backend."""

    def __enter__(self) -> "PackagedSandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _imports(code: str, calls: list[Call]) -> set[str]:
    names = imported(code) if isinstance(code, str) else set()
    for call in calls:
        if isinstance(call, Call) and isinstance(call.snippet, str):
            names |= imported(call.snippet)
    return names
