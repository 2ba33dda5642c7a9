"""The serving process's long-lived objects frozen out of the cycle collector's full passes
(`auskunft.chat.heap`): what exists is frozen, so are the survivors of later full collections, garbage made
after it is still collected, and `release()` gives everything back."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from auskunft.chat import heap


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cycle collector frees it


@pytest.fixture
def settled() -> Iterator[None]:
    try:
        yield
    finally:
        heap.release()


def test_settle_freezes_what_exists_and_later_garbage_is_still_collected(settled: None) -> None:
    kept = [Node() for _ in range(100)]
    frozen = heap.settle()
    assert frozen >= 100 and gc.get_freeze_count() >= 100
    assert heap._refreeze in gc.callbacks
    gc.collect()  # the survivors of a full collection are frozen too
    assert gc.get_count()[2] == 0 and gc.get_freeze_count() >= 100
    collected = []

    class Dropped(Node):
        def __del__(self) -> None:
            collected.append(1)

    for _ in range(10):
        Dropped()  # garbage made after settling: a cycle nothing refers to
    gc.collect(0)
    assert collected == [1] * 10
    assert kept[0].me is kept[0]


def test_release_hands_the_frozen_objects_back(settled: None) -> None:
    heap.settle()
    assert gc.get_freeze_count() > 0
    heap.release()
    assert gc.get_freeze_count() == 0 and heap._refreeze not in gc.callbacks
    heap.release()  # twice is harmless
