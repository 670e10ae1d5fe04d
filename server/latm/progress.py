"""Progress reporting and cancellation shared by latm's slow operations (make, verify, solve, eval).

The operation calls ``report(stage, message, fraction)``; the CLI prints it, the language server
turns it into ``$/progress``. A ``CancelToken`` is checked between steps (and handed to the
LLM client so a request in flight is abandoned).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable, Optional

from latm.errors import Cancelled


@dataclass(frozen=True)
class ProgressEvent:
    stage: str  # e.g. "propose", "verify", "wrap", "parser", "solve"
    message: str  # e.g. "propose 1/3"
    fraction: Optional[float] = None  # 0..1 overall, when known
    done: Optional[int] = None  # items finished of ``total`` in this stage, for work that is counted
    total: Optional[int] = None


ProgressCallback = Callable[[ProgressEvent], None]


def no_progress(_event: ProgressEvent) -> None:
    pass


class CancelToken:
    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True when cancelled meanwhile."""
        return self._event.wait(seconds)
