"""A bounded pool of warm containers shared by concurrent callers.

Nothing starts before the first call; then the first caller starts one container itself and the
rest of the pool is filled in the background (as is the place of a container removed after a
fault), so later calls rarely wait for a start. Idle containers are handed out least recently
used first: the worker that just answered gets time to clean up and fork its next child.
Pools of several images may share one ``budget`` (``image_pools``): a limit on their total, met
by evicting an idle item of the least recently used other pool.
"""

from __future__ import annotations

import collections
import logging
import threading
from typing import Callable, Generic, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)
CLOSE_WAIT_S = 60.0


class PoolClosed(Exception):
    pass


class Pool(Generic[T]):
    def __init__(self, size: int, make: Callable[[], T], dispose: Callable[[T], None], budget=None) -> None:
        self.size = size
        self._make, self._dispose = make, dispose
        self._budget = budget
        self._idle: collections.deque = collections.deque()
        self._all: set = set()
        self._starting = 0
        self._closed = False
        self._used = False  # nothing starts before the first acquire
        self._cond = budget.cond if budget is not None else threading.Condition()

    def acquire(self) -> T:
        """An idle item, a new one, or wait for one; raises what ``make`` raises, or PoolClosed."""
        with self._cond:
            self._used = True
            while True:
                if self._closed:
                    raise PoolClosed()
                if self._idle:
                    return self._idle.popleft()
                if len(self._all) + self._starting < self.size and self._room(evict=True):
                    self._starting += 1
                    break
                self._cond.wait()
        self._dispose_evicted()
        try:
            item = self._make()
        except BaseException:
            self._started_nothing()
            raise
        if not self._add(item, idle=False):
            raise PoolClosed()
        self._fill()
        return item

    def _add(self, item: T, idle: bool) -> bool:
        with self._cond:
            if not self._closed:
                self._starting -= 1
                self._all.add(item)
                if idle:
                    self._idle.append(item)
                self._cond.notify_all()
                return True
        self._dispose(item)  # closed while it started: close() waits for this
        self._started_nothing()
        return False

    def _started_nothing(self) -> None:
        with self._cond:
            self._starting -= 1
            self._cond.notify_all()

    def _fill(self) -> None:
        """Start one more item in the background when the pool is not full."""
        with self._cond:
            if self._closed or not self._used or len(self._all) + self._starting >= self.size or not self._room(False):
                return
            self._starting += 1
        threading.Thread(target=self._make_idle, name="latm-sandbox-fill", daemon=True).start()

    def _make_idle(self) -> None:
        try:
            item = self._make()
        except Exception as err:  # a caller that needs one will try again and report
            log.warning("could not start a sandbox container in the background: %s", err)
            self._started_nothing()
            return
        if self._add(item, idle=True):
            self._fill()

    def release(self, item: T) -> None:
        with self._cond:
            if item in self._all and not self._closed:
                self._idle.append(item)
                self._cond.notify()
                return
        self._dispose(item)

    def discard(self, item: T) -> None:
        """Remove a faulty item; the next caller starts a fresh one."""
        with self._cond:
            self._all.discard(item)
            try:
                self._idle.remove(item)
            except ValueError:
                pass
            self._cond.notify()
        self._dispose(item)
        self._fill()

    def _room(self, evict: bool) -> bool:
        """Under the lock: may one more item start (evicting another pool's idle one if need be)?"""
        return self._budget is None or self._budget.room(self, evict)

    def _dispose_evicted(self) -> None:
        for item in self._budget.take_evicted() if self._budget is not None else ():
            self._dispose(item)

    def held(self) -> int:
        """Under the lock: items alive or starting."""
        return len(self._all) + self._starting

    def evict_idle(self):
        """Under the lock: take out the idle item used least recently, or None."""
        if not self._idle:
            return None
        item = self._idle.popleft()
        self._all.discard(item)
        return item

    def count(self) -> int:
        with self._cond:
            return len(self._all)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            items = list(self._all)
            self._all.clear()
            self._idle.clear()
            self._cond.notify_all()
        for item in items:
            self._dispose(item)
        with self._cond:  # items still starting dispose of themselves; wait for them
            self._cond.wait_for(lambda: self._starting == 0, timeout=CLOSE_WAIT_S)
