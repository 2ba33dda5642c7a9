"""Admission control for the CPU-bound part of an answer (query embedding, vector search, extractive scoring).

The work runs in its own small thread pool, never on the event loop and never in asyncio's default
executor. A call is admitted while its expected wait stays under `max_wait_s`: the calls ahead of it
(admitted, not yet started) times the recent run time of one call, divided by the workers. Beyond that it is
refused at once with :class:`ServiceBusyError` (HTTP 503 / a `busy` event with Retry-After) instead of
waiting into a timeout. A burst the workers clear within the bound is queued and answered (50 visitors at
once wait about a second), a flood beyond it gets quick refusals (Little's law: a queue longer than the
latency budget only turns fast refusals into slow timeouts). The work of an answer counts its later steps
too (see WorkGate). `queue` caps the waiting calls whatever the estimate says (memory stays bounded when
calls are fast).

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
    """Admission by expected wait. Calls are of two kinds: the first call of an answer (`admit=True`, the
    search) and its later steps (`admit=False`, e.g. the extractive scoring). The expected wait of a new
    answer is the work ahead of it: each admitted answer still pending counts its search plus the later
    steps an answer has had recently (their number per answer and their run times are moving averages),
    each pending later step its own run time; divided by the workers, zero while a worker is free."""

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
        # admitted and not yet finished (queued, running, or abandoned but running), by kind
        self._pending = {True: 0, False: 0}
        self._service = {True: 0.05, False: 0.0}  # moving average of one call's run time, by kind
        self._measured = {True: False, False: False}
        self._calls = {True: 0.0, False: 0.0}  # decayed counts of finished calls: steps per answer
        self.refused = 0

    @property
    def pending(self) -> int:
        return self._pending[True] + self._pending[False]

    @property
    def service_s(self) -> float:
        """Work of one answer: its search plus the later steps an answer has on average."""
        return self._service[True] + self._steps_per_answer() * self._service[False]

    def _steps_per_answer(self) -> float:
        return self._calls[False] / self._calls[True] if self._calls[True] else 0.0

    def expected_wait_s(self, answers: int | None = None, steps: int | None = None) -> float:
        """How long the search of an answer admitted now would wait for a worker (`answers` admitted answers
        and `steps` later steps pending; default: the gate's own)."""
        answers = self._pending[True] if answers is None else answers
        steps = self._pending[False] if steps is None else steps
        if answers + steps < self.workers:
            return 0.0
        return (answers * self.service_s + steps * self._service[False]) / self.workers

    def _admissible(self) -> bool:
        return self.pending < self.capacity and self.expected_wait_s() <= self.max_wait_s

    @property
    def full(self) -> bool:
        return not self._admissible()

    def retry_after_s(self) -> int:
        """Seconds until a new answer would likely be admitted again (at least 1)."""
        over = self.expected_wait_s() - self.max_wait_s
        over_cap = (self.pending - self.capacity + 1) * self.service_s / self.workers
        return max(1, math.ceil(max(over, over_cap, 0.0)))

    def _release(self, admit: bool) -> Callable[[Future], None]:
        def release(_fut: Future) -> None:
            with self._lock:
                self._pending[admit] -= 1

        return release

    def _timed(self, admit: bool, fn: Callable[..., T], *args: object) -> T:
        t0 = time.perf_counter()
        try:
            return fn(*args)
        finally:
            took = time.perf_counter() - t0
            # the first measurement replaces the prior; then a moving average of the recent calls
            old = self._service[admit]
            self._service[admit] = took if not self._measured[admit] else 0.8 * old + 0.2 * took
            self._measured[admit] = True
            with self._lock:  # counted when done, so a burst of admissions does not skew the mix
                for kind in (True, False):  # decay: the mix of the recent ~50 calls
                    self._calls[kind] *= 0.98
                self._calls[admit] += 1.0

    def admit_or_raise(self) -> None:
        """Refuse early (before any work for the request) when a new answer would wait too long."""
        if self.full:
            self._refuse()

    def _refuse(self) -> None:
        self.refused += 1
        raise ServiceBusyError(ServiceBusyError.MESSAGE, retry_after_s=self.retry_after_s())

    async def run(self, fn: Callable[..., T], *args: object, timeout_s: float, admit: bool = True) -> T:
        """Run `fn(*args)` in the pool. `admit=False`: a later step of an answer admitted before (queued,
        never refused)."""
        with self._lock:
            ok = not admit or self._admissible()
            if ok:
                self._pending[admit] += 1
        if not ok:
            self._refuse()
        fut = self._pool.submit(self._timed, admit, fn, *args)
        fut.add_done_callback(self._release(admit))
        try:
            return await asyncio.wait_for(asyncio.wrap_future(fut), timeout=timeout_s)
        finally:
            fut.cancel()  # a no-op once it runs; a queued call leaves the queue (and frees its slot) now

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
