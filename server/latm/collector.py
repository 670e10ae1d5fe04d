"""Loading many objects at once (the caches of 1,000 tools) with the cyclic garbage collector paused.

CPython starts a collection every 700 new containers, and every tenth of those walks the older
objects too, so parsing a 2 MB cache spends twice as long collecting as parsing (measured: 116 ms
against 20 ms for the routing index). What a load builds is kept, not garbage: pausing the
collector while it runs frees nothing later than it would have been freed.
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

_lock = threading.Lock()
_depth = 0  # loads under way, in any thread: the collector resumes when the last one ends
_resume = False


@contextmanager
def paused() -> Iterator[None]:
    global _depth, _resume
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _resume:
                gc.enable()
