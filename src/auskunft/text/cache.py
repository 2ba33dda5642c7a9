"""A bounded, thread-safe LRU of values computed from a key (what a text analysis gives for a sentence or a
passage): the extractive answer asks about the same retrieved sentences again and again, and their analysis
is a pure function of their text. `maxsize=0` caches nothing (every call computes)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Lru(Generic[K, V]):
    """`get(key, make)`: the cached value, else `make(key)` (computed outside the lock, so a slow analysis
    never blocks other threads; two threads may compute the same key once each, with equal results)."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: K, make: Callable[[K], V]) -> V:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
            self.misses += 1
        value = make(key)
        if self.maxsize > 0:
            with self._lock:
                self._items[key] = value
                while len(self._items) > self.maxsize:
                    self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._items)
