"""The serving process's long-lived objects kept out of the cycle collector's full passes.

A service process holds ~460k objects the cycle collector tracks that live as long as it does: the tagger's
and stemmers' tables, imported modules and pydantic schemas, and the passage analyses the warm-up puts in the
answer's caches. CPython runs a full collection (generation 2) when the objects promoted since the last one
reach a quarter of the long-lived ones, and a full collection walks all of them with the interpreter held:
350-380 ms on the shared 2-core machine, once every ~200-500 answers (session 15, 1,000 never-seen questions
in process: 2 full collections, the longest 380 ms; 2.2 ms of collection per answer on average). Every request
in flight or arriving meanwhile waits for it: at 40 answers/s one such pause holds up ~15 of them.

`settle()` moves every object that exists into the permanent generation (`gc.freeze()`), which collections
skip: after it the full collections walk only what was made since (~60k objects after 1,000 answers, 86 ms
at most). Reference counting still frees frozen objects when nothing refers to them any more (a cache entry
evicted, a replaced index generation's points); only a reference cycle among frozen objects is not found, so
`release()` (the warm-up's `close()`) hands them back to the collector. The passage warm-up settles the heap
after each walk (start-up: after the models and the live passages are loaded). It never runs a full
collection itself: one would hold the interpreter for the ~400 ms this module exists to avoid, and a walk
may end while answers arrive; a reference cycle that is already garbage in the oldest generation at that
moment stays until `release()` (none after 1,000 answers in process: `gc.collect()` after `gc.unfreeze()`
found 0 unreachable objects).
"""

from __future__ import annotations

import gc
import logging
import threading
import time

log = logging.getLogger(__name__)
_lock = threading.Lock()


def _refreeze(phase: str, info: dict[str, int]) -> None:
    """After a full collection: its survivors are long-lived too (the caches' newer entries)."""
    if phase == "stop" and info.get("generation") == 2:
        gc.freeze()


def settle() -> int:
    """Freeze what exists now (`gc.freeze()`, after collecting the young generations: a few ms, where a full
    collection would hold the interpreter ~400 ms, and the warm-up may end while answers arrive), and the
    survivors of every later full collection; returns the number of frozen objects."""
    with _lock:
        t0 = time.perf_counter()
        gc.collect(1)
        gc.freeze()
        if _refreeze not in gc.callbacks:
            gc.callbacks.append(_refreeze)
        frozen = gc.get_freeze_count()
    log.info("heap settled: %d objects frozen (%.0f ms)", frozen, (time.perf_counter() - t0) * 1000)
    return frozen


def release() -> None:
    """Hand the frozen objects back to the collector (they join the oldest generation)."""
    with _lock:
        if _refreeze in gc.callbacks:
            gc.callbacks.remove(_refreeze)
        gc.unfreeze()
