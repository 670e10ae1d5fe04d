"""What a CLI command is: a function of (workspace, parsed arguments) returning a ``Result``."""

from __future__ import annotations

import argparse
import dataclasses
import functools
from dataclasses import dataclass
from typing import Any, Callable, Optional

from latm.cli.display import Display
from latm.progress import ProgressEvent
from latm.safe_text import escape_controls
from latm.workspace import Workspace


@dataclass
class Result:
    text: str  # for people
    data: Any = None  # for --json
    code: int = 0  # exit code


Command = Callable[[Workspace, argparse.Namespace], Result]
COMMANDS: dict[str, Command] = {}


def command(name: str) -> Callable[[Command], Command]:
    def register(fn: Command) -> Command:
        @functools.wraps(fn)
        def run(ws: Workspace, args: argparse.Namespace) -> Result:
            ws.on_progress = stderr_progress  # a tool's packages being installed, wherever that happens
            try:
                return fn(ws, args)
            finally:  # a bar left on stderr would run into what the command prints next
                close_progress()

        COMMANDS[name] = run
        return fn

    return register


_display: Optional[Display] = None


def stderr_progress(event: ProgressEvent) -> None:
    """A long job's progress on stderr, control characters escaped: a bar on a terminal, else plain
    lines (``display``)."""
    global _display
    if _display is None:
        _display = Display()
    _display(dataclasses.replace(event, message=escape_controls(event.message)))


def close_progress() -> None:
    global _display
    if _display is not None:
        _display.close()
        _display = None


def money(value: Optional[float], prefix: str) -> str:
    return f"{prefix}${value:.6f}" if value is not None else ""
