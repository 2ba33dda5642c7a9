"""Admission control for the CPU-bound part of an answer (query embedding, vector search, extractive scoring).

The work runs in its own small thread pool, never on the event loop and never in asyncio's default
executor. A call is admitted while its expected wait stays under `max_wait_s`: the calls ahead of it
(admitted, not yet started) times the recent run time of one call, divided by the workers. Beyond that it is
refused at once with :class:`ServiceBusyError` (HTTP 503 / a `busy` event with Retry-After) instead of
waiting into a timeout. A burst the workers clear within the bound is queued and answered (50 visitors at
once wait about a second), a flood beyond it gets quick refusals (Little's law: a queue longer than the
latency budget only turns fast refusals into slow timeouts). `queue` caps the waiting calls whatever the
estimate says (memory stays bounded when calls are fast).

A call that times out while still queued is cancelled; one that is already running keeps its slot until it
really ends, so abandoned work cannot pile up behind the bound (the failure mode of `asyncio.to_thread`
with `wait_for`). A call that belongs to an answer admitted earlier (the extractive scoring after the
search) passes `admit=False`: it is queued, never refused half-way through an answer.
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

DEFAULT_MAX_WAIT_S = 2.0
DEFAULT_QUEUE = 256


class WorkGate:
    def __init__(
        self,
        workers: int = 1,
        queue: int = DEFAULT_QUEUE,
        *,
        max_wait_s: float = DEFAULT_MAX_WAIT_S,
        name: str = "search",
    ) -> None:
        if workers < 1 or queue < 0 or max_wait_s < 0:
            raise ValueError("workers must be >= 1, queue >= 0 and max_wait_s >= 0")
        self.workers, self.queue, self.max_wait_s = workers, queue, max_wait_s
        self.capacity = workers + queue
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"auskunft-{name}")
        self._lock = threading.Lock()
        self._pending = 0  # admitted and not yet finished (queued, running, or abandoned but running)
        self._service_s = 0.05  # moving average of one call's run time (per worker)
        self._measured = False
        self.refused = 0

    @property
    def pending(self) -> int:
        return self._pending

    @property
    def service_s(self) -> float:
        return self._service_s

    def expected_wait_s(self, pending: int | None = None) -> float:
        """How long a call admitted now would wait for a worker."""
        ahead = max(0, (self._pending if pending is None else pending) - self.workers + 1)
        return ahead * self._service_s / self.workers

    def _admissible(self, pending: int) -> bool:
        return pending < self.capacity and self.expected_wait_s(pending) <= self.max_wait_s

    @property
    def full(self) -> bool:
        return not self._admissible(self._pending)

    def retry_after_s(self) -> int:
        """Seconds until a new call would likely be admitted again (at least 1)."""
        ahead = max(0, self._pending - self.workers + 1)
        over = ahead * self._service_s / self.workers - self.max_wait_s
        over_cap = (self._pending - self.capacity + 1) * self._service_s / self.workers
        return max(1, math.ceil(max(over, over_cap, 0.0)))

    def _release(self, _fut: Future) -> None:
        with self._lock:
            self._pending -= 1

    def _timed(self, fn: Callable[..., T], *args: object) -> T:
        t0 = time.perf_counter()
        try:
            return fn(*args)
        finally:
            took = time.perf_counter() - t0
            # the first measurement replaces the prior; then a moving average of the recent calls
            self._service_s = took if not self._measured else 0.8 * self._service_s + 0.2 * took
            self._measured = True

    def admit_or_raise(self) -> None:
        """Refuse early (before any work for the request) when a new call would wait too long."""
        if self.full:
            self._refuse()

    def _refuse(self) -> None:
        self.refused += 1
        raise ServiceBusyError(
            "the service is busy right now, please retry shortly", retry_after_s=self.retry_after_s()
        )

    async def run(self, fn: Callable[..., T], *args: object, timeout_s: float, admit: bool = True) -> T:
        """Run `fn(*args)` in the pool. `admit=False`: part of an answer admitted before, never refused."""
        with self._lock:
            ok = not admit or self._admissible(self._pending)
            if ok:
                self._pending += 1
        if not ok:
            self._refuse()
        fut = self._pool.submit(self._timed, fn, *args)
        fut.add_done_callback(self._release)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(fut), timeout=timeout_s)
        finally:
            fut.cancel()  # a no-op once it runs; a queued call leaves the queue (and frees its slot) now

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
