"""Admission of answers in the guard (service/guard.py), before any worker sees the request.

Each Robyn worker has its own admission gate (`auskunft.chat.admission.WorkGate`), but it runs inside the
worker: when both cores are busy answering, the request it should refuse waits for the worker's CPU (and
GIL) like the answers do, so under overload a refusal itself took seconds. The guard is a process of its
own that does little work, so it answers at once. It counts the answer requests it has relayed and not yet
finished (`/api/chat`, `/v1/chat/completions`: the routes whose work is the CPU-bound search and extractive
answer) and learns how long an answer recently took per worker from the utilization law: the time the
workers were busy (at least one answer in flight each, min(in flight, workers) summed over time) divided by
the answers finished meanwhile. Contention for the CPU is part of that figure, which is what a new request
will meet. A new answer request would wait about in-flight × per-answer time / workers (zero while a worker
is free); beyond the bound (`SEARCH_MAX_WAIT_S`, the worker gate's) or beyond `SEARCH_QUEUE` waiting answers
per worker it gets the service's own `busy` answer (503, `{"error": {"code": "busy", …}}`, Retry-After)
from the guard, without touching a worker. The worker's gate stays as the second line.

Slots cannot stick: a request's slot is given back whenever the guard stops relaying it (the answer ended,
the client went away mid-answer, the worker died or restarted), and a slot older than `stale_s` no longer
counts (a worker that hangs without dying). A client that leaves before its answer begins is noticed when
the answer comes (before writing, a closed connection looks like a half-closed one, whose client still
waits for the answer); until then its slot stands for the work the worker is still doing for it. Only in extractive mode: with an LLM an answer is mostly
waiting for the LLM, not work in the worker, and the per-answer time would refuse visitors the worker could
serve side by side (then the worker's gate, which times only the CPU-bound steps, decides alone).
"""

from __future__ import annotations

import itertools
import logging
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("auskunft.service.guard")
ANSWER_PATHS = frozenset({b"/api/chat", b"/v1/chat/completions"})


def is_answer(method: bytes, target: bytes) -> bool:
    """The requests the guard admits by expected wait (everything else passes: health, static, console)."""
    return method == b"POST" and target.split(b"?", 1)[0] in ANSWER_PATHS


@dataclass(frozen=True)
class AdmissionLimits:
    max_wait_s: float = 2.0  # SEARCH_MAX_WAIT_S, the same bound as the workers' gates
    queue: int = 256  # SEARCH_QUEUE: waiting answers per worker, whatever the estimate says
    allowed_origins: tuple[str, ...] = ()  # CORS on the guard's own busy answers (the widget reads them)
    stale_s: float = 120.0  # a slot held longer than this no longer counts (a hung request)
    prior_s: float = 0.05  # per-answer time until one was measured
    window_s: float = 4.0  # the per-answer time is measured over this much recent work (worker-seconds) ...
    window_answers: int = 8  # ... and at least this many answers


_BUSY_MARKS = (b"event: busy\n", b'"error": {"code": "busy"')  # SSE /api/chat, an OpenAI chunk


@dataclass
class Ticket:
    """One admitted answer request. `busy`: the worker's own gate refused it (503, or a `busy` event in the
    stream): no answer's worth of work, so not counted in the per-answer time."""

    key: int
    busy: bool = False
    pieces: int = 0

    def head(self, status: int) -> None:
        self.busy = status == 503

    def piece(self, data: bytes) -> None:
        """A piece of the response body on its way to the client (only the first few are looked at)."""
        self.pieces += 1
        if self.pieces <= 3 and not self.busy:
            self.busy = any(mark in data for mark in _BUSY_MARKS)


class AnswerAdmission:
    """In-flight answer requests and the recent per-answer time, for one guard (one event loop, no locks)."""

    def __init__(
        self,
        limits: AdmissionLimits | None = None,
        workers: Callable[[], int] = lambda: 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits or AdmissionLimits()
        self.workers, self.clock = workers, clock
        self.service_s = self.limits.prior_s
        self.measured = False
        self.refused = 0  # answered `busy` by the guard
        self.worker_refused = 0  # admitted here, then refused by the worker's own gate
        self._inflight: dict[int, float] = {}  # key -> admitted at (insertion order: oldest first)
        self._keys = itertools.count()
        self._last = clock()
        self._busy = 0.0  # worker-seconds busy since the start
        self._done = 0  # answers finished since the start
        # (busy, done) after recent answers: the estimate spans the last `window_s` worker-seconds of work
        self._marks: deque[tuple[float, int]] = deque([(0.0, 0)], maxlen=4096)
        self._logged_at, self._logged = self._last, (0, 0)

    @property
    def inflight(self) -> int:
        self._expire()
        return len(self._inflight)

    def _w(self) -> int:
        return max(1, self.workers())

    def _advance(self) -> None:
        now = self.clock()
        self._busy += min(len(self._inflight), self._w()) * (now - self._last)
        self._last = now

    def _expire(self) -> None:
        cut = self.clock() - self.limits.stale_s
        while self._inflight:
            key, since = next(iter(self._inflight.items()))
            if since > cut:
                return
            self._advance()
            del self._inflight[key]

    def expected_wait_s(self, inflight: int | None = None) -> float:
        """How long an answer admitted now would wait for a worker."""
        n = self.inflight if inflight is None else inflight
        w = self._w()
        return 0.0 if n < w else n * self.service_s / w

    def retry_after_s(self) -> int:
        """Seconds until a new answer would likely be admitted again (at least 1), as the worker's gate says."""
        return max(1, math.ceil(self.expected_wait_s() - self.limits.max_wait_s))

    def enter(self) -> Ticket | None:
        """A slot for a new answer request, or None: answer `busy` now."""
        self._expire()
        n, w = len(self._inflight), self._w()
        if n >= w * (1 + self.limits.queue) or self.expected_wait_s(n) > self.limits.max_wait_s:
            self.refused += 1
            return None
        self._advance()
        key = next(self._keys)
        self._inflight[key] = self.clock()
        return Ticket(key)

    def leave(self, ticket: Ticket) -> None:
        """The guard stopped relaying this request (whatever the reason): its slot is free."""
        if ticket.key not in self._inflight:
            return  # expired as stale already
        self._advance()
        del self._inflight[ticket.key]
        if ticket.busy:
            self.worker_refused += 1
            return  # refused by the worker's own gate: no answer's worth of work
        self._done += 1
        self._marks.append((self._busy, self._done))
        # a sliding window over the recent work: from the oldest mark that still leaves at least `window_s`
        # worker-seconds and `window_answers` answers after it (smooth under bursts of completions, and a cold
        # start's first slow answers leave it once that much work has been done since)
        lim = self.limits
        while len(self._marks) > 2:
            busy, done = self._marks[1]
            if self._busy - busy < lim.window_s or self._done - done < lim.window_answers:
                break
            self._marks.popleft()
        busy, done = self._marks[0]
        self.service_s = (self._busy - busy) / (self._done - done)
        self.measured = True
        now = self.clock()
        if now - self._logged_at >= 5.0:
            log.info(
                "guard admission: %d answers in flight, %.0f ms per answer and worker; in %.0f s %d refused "
                "here, %d by the workers",
                len(self._inflight),
                self.service_s * 1000,
                now - self._logged_at,
                self.refused - self._logged[0],
                self.worker_refused - self._logged[1],
            )
            self._logged_at, self._logged = now, (self.refused, self.worker_refused)
