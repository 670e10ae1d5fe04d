"""What a CLI command is: a function of (workspace, parsed arguments) returning a ``Result``."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Any, Callable

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
        COMMANDS[name] = fn
        return fn

    return register


def stderr_progress(event: ProgressEvent) -> None:
    print(escape_controls(f"latm: {event.message}"), file=sys.stderr, flush=True)
