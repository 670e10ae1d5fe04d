"""Warm containers of several images (the base image and derived images with packages) under one
limit on their total. A pool that needs a container when the total is reached takes the place of
an idle container of the image used least recently; with none idle, it waits for one."""

from __future__ import annotations

import collections
import threading
from typing import Callable, Generic, TypeVar

from latm.sandbox.pool import Pool

T = TypeVar("T")


class ImagePools(Generic[T]):
    def __init__(self, total: int, make: Callable[[str], T], dispose: Callable[[T], None]) -> None:
        self.total = total
        self.cond = threading.Condition()  # shared by every pool: a release anywhere wakes all
        self._make, self._dispose = make, dispose
        self._pools: "collections.OrderedDict[str, Pool]" = collections.OrderedDict()  # least recent first
        self._evicted: list = []

    def get(self, image: str) -> Pool:
        """The pool of ``image``, now the most recently used."""
        with self.cond:
            pool = self._pools.get(image)
            if pool is None:
                pool = self._pools[image] = Pool(self.total, lambda: self._make(image), self._dispose, budget=self)
            self._pools.move_to_end(image)
            return pool

    def room(self, wanting: Pool, evict: bool) -> bool:
        """Called under ``cond``: may ``wanting`` start one more container?"""
        if sum(pool.held() for pool in self._pools.values()) < self.total:
            return True
        if not evict:
            return False
        for pool in self._pools.values():
            if pool is not wanting:
                item = pool.evict_idle()
                if item is not None:
                    self._evicted.append(item)
                    return True
        return False

    def take_evicted(self) -> list:
        """Containers evicted for another image, to be removed outside the lock."""
        with self.cond:
            evicted, self._evicted = self._evicted, []
        return evicted

    def images(self) -> dict[str, int]:
        """Each image with its containers now alive or starting."""
        with self.cond:
            return {image: pool.held() for image, pool in self._pools.items()}

    def count(self) -> int:
        """Containers started (not those still starting), over all images."""
        with self.cond:
            pools = list(self._pools.values())
        return sum(pool.count() for pool in pools)

    def close(self) -> None:
        with self.cond:
            pools = list(self._pools.values())
        for pool in pools:
            pool.close()
        for item in self.take_evicted():
            self._dispose(item)
