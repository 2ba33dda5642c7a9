"""Admission by expected wait (auskunft.chat.admission): a burst the workers clear within the bound is queued
and answered, a flood beyond it is refused at once with a Retry-After that says when to come back."""

from __future__ import annotations

import asyncio
import time

import pytest

from auskunft.chat.admission import WorkGate
from auskunft.errors import ServiceBusyError

pytestmark = pytest.mark.asyncio


def _work(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


async def _burst(gate: WorkGate, n: int, seconds: float) -> list[str]:
    async def one() -> str:
        try:
            await gate.run(_work, seconds, timeout_s=30)
        except ServiceBusyError:
            return "busy"
        return "done"

    return list(await asyncio.gather(*(one() for _ in range(n))))


async def test_a_burst_cleared_within_the_bound_is_queued_not_refused() -> None:
    gate = WorkGate(workers=1, max_wait_s=2.0)
    try:
        for _ in range(3):
            await gate.run(_work, 0.02, timeout_s=5)  # learns the service time (~20 ms)
        t0 = time.monotonic()
        kinds = await _burst(gate, 50, 0.02)  # 50 x 20 ms = 1 s of work < 2 s
        assert kinds.count("done") == 50, kinds
        assert time.monotonic() - t0 < 5
    finally:
        gate.close()


async def test_a_flood_beyond_the_bound_is_refused_at_once_and_the_gate_recovers() -> None:
    gate = WorkGate(workers=1, max_wait_s=0.5)
    try:
        for _ in range(3):
            await gate.run(_work, 0.05, timeout_s=5)  # service time ~50 ms: about 10 fit in 0.5 s
        t0 = time.monotonic()
        refusals: list[float] = []

        async def one() -> str:
            try:
                await gate.run(_work, 0.05, timeout_s=30)
            except ServiceBusyError as exc:
                refusals.append(time.monotonic() - t0)
                assert exc.retry_after_s >= 1
                return "busy"
            return "done"

        kinds = await asyncio.gather(*(one() for _ in range(60)))
        assert 5 <= kinds.count("done") <= 20, kinds
        assert kinds.count("busy") >= 40
        assert max(refusals) < 0.2  # refused before any work, not after waiting
        assert gate.pending == 0 and gate.refused >= 40
        assert await _burst(gate, 5, 0.01) == ["done"] * 5  # drained: admitted again
    finally:
        gate.close()


async def test_expected_wait_and_retry_after_follow_the_queue() -> None:
    gate = WorkGate(workers=2, max_wait_s=1.0)
    try:
        gate._service = {True: 0.1, False: 0.0}  # noqa: SLF001 - known run times make the arithmetic exact
        assert gate.expected_wait_s(0) == 0 and gate.expected_wait_s(1) == 0  # a worker is free
        assert gate.expected_wait_s(2) == pytest.approx(0.1)  # two answers of 0.1 s ahead, two workers
        assert gate.expected_wait_s(20) == pytest.approx(1.0)
        assert not gate.full
        gate._pending[True] = 40  # noqa: SLF001 - 2 s of work ahead
        assert gate.full
        assert gate.retry_after_s() == 1  # ~1 s over the bound
        gate._pending[True] = 0  # noqa: SLF001
    finally:
        gate.close()


async def test_the_later_steps_of_admitted_answers_count_as_their_work() -> None:
    """Each answer = a search and a later step of the same length: a burst is admitted up to half as many
    answers as a search alone would allow."""
    gate = WorkGate(workers=1, max_wait_s=0.5)
    try:

        async def answer() -> str:
            try:
                await gate.run(_work, 0.02, timeout_s=30)
            except ServiceBusyError:
                return "busy"
            await gate.run(_work, 0.02, timeout_s=30, admit=False)
            return "done"

        for _ in range(3):
            await answer()  # learns: 20 ms search + one 20 ms step per answer
        assert gate.service_s == pytest.approx(0.04, rel=0.5)
        kinds = await asyncio.gather(*(answer() for _ in range(40)))
        assert 8 <= kinds.count("done") <= 18, kinds  # ~0.5 s / 40 ms, not 0.5 s / 20 ms
    finally:
        gate.close()


async def test_the_queue_cap_holds_whatever_the_estimate() -> None:
    gate = WorkGate(workers=1, queue=2, max_wait_s=60)
    try:
        kinds = await _burst(gate, 6, 0.05)
        assert kinds.count("done") == 3 and kinds.count("busy") == 3
    finally:
        gate.close()


async def test_a_later_step_of_an_admitted_answer_is_never_refused() -> None:
    gate = WorkGate(workers=1, queue=0, max_wait_s=0)
    try:
        first = asyncio.ensure_future(gate.run(_work, 0.2, timeout_s=5))
        await asyncio.sleep(0.05)
        with pytest.raises(ServiceBusyError):
            await gate.run(_work, 0.01, timeout_s=5)
        assert await gate.run(_work, 0.01, timeout_s=5, admit=False) == 0.01  # queued behind the first
        await first
    finally:
        gate.close()
