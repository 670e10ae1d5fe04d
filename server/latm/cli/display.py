"""Progress of the CLI's long work on stderr (``latm eval``, ``solve --batch``, ``make``, ``verify``,
``sandbox build``): on a terminal, a ``tqdm`` bar with its rate and time left; otherwise (a pipe,
a log, CI) plain ``latm: ...`` lines, a counted stage's at most every tenth of the way.

An event with ``done``/``total`` is counted work (a bar of items); one with only ``fraction`` is a
bar of percent, its message beside it. A bar ends when its work is done, when counting starts
over, or when the command ends.
"""

from __future__ import annotations

import io
import os
import sys
import threading
import time
from typing import TYPE_CHECKING, Optional, TextIO

if TYPE_CHECKING:
    from tqdm import tqdm

from latm.progress import ProgressEvent

PLAIN_COUNTED = "{desc}: {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}]"
PERCENT = "{desc}: {percentage:3.0f}%|{bar}| [{elapsed}<{remaining}]"
STEPS = 10  # plain lines per counted stage, besides its first and last


class Display:
    def __init__(self, stream: Optional[TextIO] = None, terminal: Optional[bool] = None) -> None:
        self.stream = stream or sys.stderr
        self.terminal = _is_terminal(self.stream) if terminal is None else terminal
        self._bar: Optional[tqdm] = None
        self._key: tuple = ()
        self._started = 0.0
        self._step = -1
        self._lock = threading.Lock()

    def __call__(self, event: ProgressEvent) -> None:
        with self._lock:
            if self.terminal:
                self._draw(event)
            elif event.total is not None:
                self._count_line(event)
            else:
                self._say(f"latm: {event.message}")

    def close(self) -> None:
        with self._lock:
            self._end()

    # On a terminal.

    def _draw(self, event: ProgressEvent) -> None:
        if event.total is not None:
            self._counted(event)
        elif event.fraction is not None:
            self._percent(event)
        elif self._bar is not None:
            self._bar.set_description_str(_label(event))
        else:
            self._say(f"latm: {event.message}")

    def _counted(self, event: ProgressEvent) -> None:
        key = ("counted", event.stage, event.total)
        if key != self._key or self._bar is None or event.done < self._bar.n:
            self._start(key, _tqdm()(total=event.total, desc=event.stage, file=self.stream, mininterval=0.2,
                                  **_width(self.stream)))
        self._bar.update((event.done or 0) - self._bar.n)
        if event.done is not None and event.done >= event.total:
            self._end()

    def _percent(self, event: ProgressEvent) -> None:
        percent = min(100, int(event.fraction * 100))
        if self._key != ("percent",) or self._bar is None or percent < self._bar.n:
            self._start(("percent",), _tqdm()(total=100, file=self.stream, bar_format=PERCENT, mininterval=0.2,
                                           **_width(self.stream)))
        self._bar.set_description_str(_label(event), refresh=False)
        self._bar.update(percent - self._bar.n)
        if percent >= 100:
            self._end()

    def _start(self, key: tuple, bar: tqdm) -> None:
        self._end()
        self._bar, self._key = bar, key

    def _end(self) -> None:
        if self._bar is not None:
            self._bar.close()
        self._bar, self._key = None, ()

    # Plain lines.

    def _count_line(self, event: ProgressEvent) -> None:
        key = ("counted", event.stage, event.total)
        done, total = event.done or 0, event.total
        if key != self._key:
            self._key, self._started, self._step = key, time.monotonic(), -1
        step = STEPS if done >= total else done * STEPS // max(total, 1)
        if step == self._step:
            return
        self._step = step
        elapsed = time.monotonic() - self._started
        self._say("latm: " + _tqdm().format_meter(done, total, elapsed, prefix=event.stage, bar_format=PLAIN_COUNTED))

    def _say(self, line: str) -> None:
        if self._bar is not None:
            self._bar.write(line, file=self.stream)
        else:
            print(line, file=self.stream, flush=True)


def _label(event: ProgressEvent) -> str:
    """"propose 1/3", "solve 3/5": the message, after the stage unless it starts with it."""
    return event.message if event.message.startswith(event.stage) else f"{event.stage} {event.message}"


def _width(stream: TextIO) -> dict:
    """Follow the terminal's size; one that reports none (a fresh pseudo-terminal, where tqdm
    would hide every bar) is taken as 80 x 24."""
    try:
        size = os.get_terminal_size(stream.fileno())
    except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
        size = os.terminal_size((0, 0))
    return {"dynamic_ncols": True} if size.columns and size.lines else {"ncols": 80, "nrows": 24}


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _tqdm() -> type[tqdm]:
    from tqdm import tqdm  # ~20 ms to import: only once there is progress to show

    return tqdm
