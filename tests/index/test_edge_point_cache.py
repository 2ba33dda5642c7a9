"""A reader of the embedded store asks the engine for ids and scores only and takes each point's payload and
vector from its per-generation cache (`PointCache`): the same hits as the engine's whole answer, cold and
warm, with a cache too small to hold them, and a new generation's points once the reader has switched."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from auskunft.index.vectorstore import Hit, VectorPoint, VectorQuery
from auskunft.index.vectorstore.edge import EdgeStore
from auskunft.index.vectorstore.edge_points import PointCache
from tests.index.test_vectorstore import DIM, points, queries

FIELDS = ("doc_id", "source", "url")


def engine_hits(store: EdgeStore, q: VectorQuery) -> list[Hit]:
    """The reader's shard answering with payloads and vectors, as every query did before the cache."""
    req = EdgeStore._request(q)
    assert req is not None
    return [Hit.of(p.id, p.score, p.payload, p.vector) for p in store._reader_shard("c").query(req)]


def stored(store: EdgeStore) -> dict[str, tuple[dict, np.ndarray | None]]:
    """Every point's payload and vector as the engine holds them (scrolled, not queried)."""
    return {pid: (payload, dense) for pid, payload, dense in store.scroll_dense("c", FIELDS)}


def same(got: list[Hit], engine: list[Hit], points_: dict[str, tuple[dict, np.ndarray | None]]) -> None:
    """The same scores in order, the same ids at each score but the lowest (ties come back in any order, and
    which of the lowest score's ties make the limit is the engine's hash order, as between two opens in
    tests/index/test_edge_search_pool.py), and every point with the payload and vector the engine holds."""
    assert [h.score for h in got] == [h.score for h in engine]
    low = min(h.score for h in got)
    assert {(h.score, h.id) for h in got if h.score > low} == {
        (h.score, h.id) for h in engine if h.score > low
    }
    with_dense = engine[0].dense is not None
    for h in got:
        payload, dense = points_[h.id]
        assert h.payload == payload
        if not with_dense:
            assert h.dense is None
        else:
            assert h.dense is not None and dense is not None and h.dense.dtype == np.float32
            assert np.array_equal(h.dense, dense)


@pytest.fixture
def published(tmp_path: Path) -> Path:
    writer = EdgeStore(tmp_path)
    writer.create_collection("c", DIM, {})
    writer.upsert("c", points(300))
    writer.commit()
    writer.close()
    return tmp_path


@pytest.mark.parametrize("size", [8192, 3])
def test_cached_hits_equal_the_engines_answer(published: Path, size: int) -> None:
    reader = EdgeStore(published, read_only=True)
    try:
        reader._reader("c").points = PointCache(size)
        truth = stored(reader)
        for _ in range(2):  # cold, then warm (or evicted again and again with 3 places)
            for q in queries(12):
                got = reader.query("c", q)
                assert got
                same(got, engine_hits(reader, q), truth)
                if q.with_dense:  # shared by every hit of the point: nobody may change it
                    assert all(h.dense is not None and not h.dense.flags.writeable for h in got)
        assert len(reader._reader("c").points._items) <= size
    finally:
        reader.close()


def test_payloads_are_the_callers_and_memos_are_shared(published: Path) -> None:
    reader = EdgeStore(published, read_only=True)
    try:
        q = queries(1)[0]
        first = reader.query("c", q)
        first[0].payload["url"] = "changed by a caller"
        assert first[0].memo is not None
        first[0].memo["chunk"] = "derived"
        again = reader.query("c", q)
        assert again[0].payload["url"] != "changed by a caller"
        assert again[0].memo is first[0].memo
    finally:
        reader.close()


def test_a_new_generation_is_read_from_its_own_points(published: Path) -> None:
    reader = EdgeStore(published, read_only=True, refresh_s=0.0)
    try:
        q = queries(1)[0]
        before = {h.id: h for h in reader.query("c", q)}
        writer = EdgeStore(published)
        writer.upsert(
            "c",
            [
                VectorPoint(p.id, p.dense, p.sparse, p.payload | {"url": p.payload["url"] + "/new"})
                for p in points(300)
            ],
        )
        writer.commit()
        writer.close()
        deadline = time.monotonic() + 30
        while not reader.query("c", q)[0].payload["url"].endswith("/new"):
            assert time.monotonic() < deadline, "the reader did not switch to the new generation"
            time.sleep(0.05)
        after = reader.query("c", q)
        assert all(h.payload["url"].endswith("/new") for h in after)
        assert all(h.memo is not before[h.id].memo for h in after if h.id in before)
        same(after, engine_hits(reader, q), stored(reader))
    finally:
        reader.close()
