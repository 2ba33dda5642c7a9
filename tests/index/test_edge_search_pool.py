"""A reader of the embedded store searches on a pool of `search_threads` (default 1) instead of edge's pool of
threads per CPU: the same hits, no pool of idle threads per reader (docs/benchmarks-answer-cost.md)."""

from __future__ import annotations

import os
from pathlib import Path

from auskunft.index.vectorstore.edge import READER_SEARCH_THREADS, EdgeStore
from tests.index.test_vectorstore import DIM, points, queries


def pool_threads() -> int:
    """Threads of this process that are edge search pool threads."""
    n = 0
    for tid in os.listdir("/proc/self/task"):
        try:
            comm = Path(f"/proc/self/task/{tid}/comm").read_text().strip()
        except OSError:
            continue
        n += comm.startswith("edge-search")
    return n


def hits(store: EdgeStore) -> list[tuple[list[float], dict[float, set[str]]]]:
    """Per query: the scores in order, and the ids at each score but the lowest. Ties come back in any order,
    and which of the lowest score's ties make the limit differs between opens (the engine's hash order), as
    between two engines in tests/index/test_vectorstore.py."""
    out = []
    for q in queries(12):
        found = store.query("c", q)
        scores = [round(h.score, 5) for h in found]
        by_score: dict[float, set[str]] = {}
        for sc, h in zip(scores, found, strict=True):
            by_score.setdefault(sc, set()).add(h.id)
        by_score.pop(min(scores, default=0.0), None)
        out.append((scores, by_score))
    return out


def test_readers_search_on_one_thread_with_the_same_hits(tmp_path: Path) -> None:
    writer = EdgeStore(tmp_path)
    writer.create_collection("c", DIM, {})
    writer.upsert("c", points(400))
    writer.commit()
    writer.close()
    assert READER_SEARCH_THREADS == 1
    before = pool_threads()
    one = EdgeStore(tmp_path, read_only=True)
    try:
        with_one = hits(one)
        assert pool_threads() - before <= 1
    finally:
        one.close()
    default = EdgeStore(tmp_path, read_only=True, search_threads=None)
    try:
        assert hits(default) == with_one
    finally:
        default.close()


def test_a_collection_of_another_layout_still_opens(tmp_path: Path) -> None:
    """The reader's config must match the shard's vectors; a shard it does not fit opens with edge's pool."""
    writer = EdgeStore(tmp_path)
    writer.create_collection("c", DIM, {})
    writer.upsert("c", points(50))
    writer.commit()
    writer.close()
    writer._write_meta("c", dim=DIM + 1)  # what the reader's config says no longer fits the shard
    reader = EdgeStore(tmp_path, read_only=True)
    try:
        assert len(reader.query("c", queries(1)[0])) == 10
    finally:
        reader.close()
