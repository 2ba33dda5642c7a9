"""Admission control for the CPU-bound part of an answer (query embedding + vector search).

The work runs in its own small thread pool, never on the event loop and never in asyncio's default
executor. At most `workers + queue` calls are admitted at a time; the next one is refused at once with
:class:`ServiceBusyError` (HTTP 503 / a `busy` event with Retry-After) instead of waiting into a timeout.
A call that times out while still queued is cancelled; one that is already running keeps its slot until it
really ends, so abandoned work cannot pile up behind the bound (the failure mode of `asyncio.to_thread`
with `wait_for`). This is the "bounded queue + fast rejection" pattern (Little's law: a queue longer than
the latency budget only turns fast refusals into slow timeouts).
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from auskunft.errors import ServiceBusyError

log = logging.getLogger(__name__)
T = TypeVar("T")


class WorkGate:
    def __init__(self, workers: int = 1, queue: int = 4, *, name: str = "search") -> None:
        if workers < 1 or queue < 0:
            raise ValueError("workers must be >= 1 and queue >= 0")
        self.workers, self.queue = workers, queue
        self.capacity = workers + queue
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"auskunft-{name}")
        self._lock = threading.Lock()
        self._pending = 0  # admitted and not yet finished (queued, running, or abandoned but running)
        self._service_s = 0.05  # moving average of one call's run time, for Retry-After
        self.refused = 0

    @property
    def pending(self) -> int:
        return self._pending

    @property
    def full(self) -> bool:
        return self._pending >= self.capacity

    def retry_after_s(self) -> int:
        """Seconds until the admitted work has likely drained (at least 1)."""
        return max(1, math.ceil(self._pending * self._service_s / self.workers))

    def _release(self, _fut: Future) -> None:
        with self._lock:
            self._pending -= 1

    def _timed(self, fn: Callable[..., T], *args: object) -> T:
        t0 = time.perf_counter()
        try:
            return fn(*args)
        finally:
            took = time.perf_counter() - t0
            self._service_s = 0.8 * self._service_s + 0.2 * took

    def admit_or_raise(self) -> None:
        """Refuse early (before any work for the request) when the gate is already full."""
        if self.full:
            self._refuse()

    def _refuse(self) -> None:
        self.refused += 1
        raise ServiceBusyError(
            "the service is busy right now, please retry shortly", retry_after_s=self.retry_after_s()
        )

    async def run(self, fn: Callable[..., T], *args: object, timeout_s: float) -> T:
        with self._lock:
            full = self._pending >= self.capacity
            if not full:
                self._pending += 1
        if full:
            self._refuse()
        fut = self._pool.submit(self._timed, fn, *args)
        fut.add_done_callback(self._release)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(fut), timeout=timeout_s)
        finally:
            fut.cancel()  # a no-op once it runs; a queued call leaves the queue (and frees its slot) now

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
