"""The vector-store seam: one contract, run against qdrant-edge and the Qdrant server code path (on
qdrant-client's local mode), plus what only the embedded store has to show: several processes, one writer,
readers that follow commits and alias switches, a writer killed mid-way."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from auskunft.errors import IndexError_, IndexNotFoundError
from auskunft.index import VectorStore
from auskunft.index.vectorstore import VectorPoint, VectorQuery, Where
from auskunft.index.vectorstore.edge import EdgeStore
from tests.index.conftest import make_store

REPO = Path(__file__).resolve().parents[2]
DIM = 8


def points(n: int, seed: int = 1, *, docs: int = 30) -> list[VectorPoint]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        idx = sorted(rng.sample(range(60), 6))
        out.append(
            VectorPoint(
                id=str(uuid.UUID(int=i + 1)),
                dense=[rng.random() - 0.5 for _ in range(DIM)],
                sparse=(idx, [rng.random() + 0.1 for _ in idx]),
                payload={"doc_id": f"d{i % docs}", "source": "a" if i % 3 else "b", "url": f"https://x/{i}"},
            )
        )
    return out


def queries(n: int, seed: int = 7) -> list[VectorQuery]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        dense = [rng.random() - 0.5 for _ in range(DIM)]
        idx = sorted(rng.sample(range(60), 3))
        sparse = (idx, [round(rng.random() + 0.5, 3) for _ in idx])  # distinct weights: few exact BM25 ties
        where = Where.field("source", "a") if i % 4 == 0 else None
        out += [
            VectorQuery(limit=10, dense=dense, sparse=sparse, fusion=True, where=where, with_dense=True),
            VectorQuery(limit=10, dense=dense, where=where),
            VectorQuery(limit=10, sparse=sparse, where=where),
        ]
    return out


class VectorStoreContract:
    """What the pipeline relies on; every implementation's test class inherits this."""

    kind: str

    @pytest.fixture
    def s(self, tmp_path: Path) -> VectorStore:
        store = make_store(self.kind, tmp_path / "store")
        yield store  # type: ignore[misc]
        store.close()

    def test_collections_metadata_and_alias(self, s: VectorStore) -> None:
        assert s.list_collections() == [] and s.get_alias("kb") is None
        s.create_collection("kb__v1", DIM, {"config": {"a": 1}, "promotions": []})
        s.create_collection("kb__v2", DIM, {})
        assert sorted(s.list_collections()) == ["kb__v1", "kb__v2"]
        assert s.get_metadata("kb__v1") == {"config": {"a": 1}, "promotions": []}
        s.set_metadata("kb__v1", {"config": {"a": 2}})  # sets these keys, keeps the others
        assert s.get_metadata("kb__v1") == {"config": {"a": 2}, "promotions": []}
        s.set_alias("kb", "kb__v1")
        s.set_alias("kb", "kb__v2")
        assert s.get_alias("kb") == "kb__v2"
        s.delete_collection("kb__v1")
        assert s.list_collections() == ["kb__v2"]

    def test_points_count_scroll_delete(self, s: VectorStore) -> None:
        s.create_collection("c", DIM, {})
        pts = points(90)
        s.upsert("c", pts)
        s.upsert("c", pts[:5])  # same ids again: replaced, not added
        assert s.count("c") == 90
        assert s.count("c", Where.field("source", "b")) == 30
        assert s.count("c", Where(any_of={"doc_id": ["d1", "d2"]})) == 6
        got = dict(s.scroll("c", Where.field("doc_id", "d3"), ["doc_id", "url"]))
        assert sorted(got) == sorted(p.id for p in pts if p.payload["doc_id"] == "d3")
        assert all(set(v) == {"doc_id", "url"} for v in got.values())
        keep = next(iter(got))
        s.delete("c", Where(any_of={"doc_id": ["d3"]}, exclude_ids=[keep]))
        assert list(dict(s.scroll("c", Where.field("doc_id", "d3"), ["doc_id"]))) == [keep]
        assert s.count("c") == 88
        with pytest.raises(ValueError):
            s.delete("c", Where())  # never "delete everything" by accident
        s.commit()
        assert s.count("c") == 88

    def test_query_modes_filter_threshold_and_alias(self, s: VectorStore) -> None:
        s.create_collection("c", DIM, {})
        pts = points(200)
        s.upsert("c", pts)
        s.set_alias("kb", "c")
        q = queries(1)[0]
        fused = s.query("kb", q)
        assert len(fused) == 10 and all(h.dense is not None and len(h.dense) == DIM for h in fused)
        assert [h.score for h in fused] == sorted((h.score for h in fused), reverse=True)
        only_a = s.query("c", VectorQuery(limit=50, dense=q.dense, where=Where.field("source", "a")))
        assert len(only_a) == 50 and {h.payload["source"] for h in only_a} == {"a"}
        strict = s.query("c", VectorQuery(limit=50, dense=q.dense, dense_threshold=0.5))
        assert strict and all(h.score >= 0.5 for h in strict) and len(strict) < 50
        assert s.query("c", VectorQuery(limit=5, sparse=([999], [1.0]))) == []  # no point has the term

    def test_unknown_collection_is_an_error(self, s: VectorStore) -> None:
        with pytest.raises((IndexNotFoundError, ValueError, Exception)):
            s.count("nope")


class TestEdgeStore(VectorStoreContract):
    kind = "edge"


class TestQdrantServerPath(VectorStoreContract):
    kind = "qdrant"


def _top10(s: VectorStore, q: VectorQuery) -> list[tuple[float, str]]:
    return [(round(h.score, 5), h.id) for h in s.query("c", q)]


def test_edge_and_qdrant_client_agree_on_top10_up_to_ties(tmp_path: Path) -> None:
    stores = [make_store(k, tmp_path / k) for k in ("edge", "qdrant")]
    try:
        for s in stores:
            s.create_collection("c", DIM, {})
            s.upsert("c", points(500))
        for q in queries(20):
            a, b = (_top10(s, q) for s in stores)
            assert [x[0] for x in a] == pytest.approx([x[0] for x in b], abs=1e-4)
            # the same ids at each score: ties may come in any order
            by_score_a: dict[float, set[str]] = {}
            by_score_b: dict[float, set[str]] = {}
            for sc, i in a:
                by_score_a.setdefault(round(sc, 3), set()).add(i)
            for sc, i in b:
                by_score_b.setdefault(round(sc, 3), set()).add(i)
            last = min(by_score_a)  # the lowest score may be cut off differently among its ties
            assert {k: v for k, v in by_score_a.items() if k != last} == {
                k: v for k, v in by_score_b.items() if k != last
            }
    finally:
        for s in stores:
            s.close()


# ------------------------------------------------------------------------------------------ edge only
def test_read_only_store_refuses_writes(tmp_path: Path) -> None:
    w = EdgeStore(tmp_path)
    w.create_collection("c", DIM, {})
    w.close()
    r = EdgeStore(tmp_path, read_only=True)
    try:
        with pytest.raises(IndexError_, match="read-only"):
            r.upsert("c", points(1))
        with pytest.raises(IndexError_, match="read-only"):
            r.create_collection("d", DIM, {})
        r.set_alias("kb", "c")  # promote/rollback from the service: small files, no shard written
        assert r.get_alias("kb") == "c"
    finally:
        r.close()


def _writer(root: Path, script: str) -> subprocess.Popen:
    code = (
        f"import sys, time; sys.path.insert(0, {str(REPO)!r})\n"
        "from auskunft.index.vectorstore.edge import EdgeStore\n"
        "from tests.index.test_vectorstore import points\n"
        f"s = EdgeStore({str(root)!r})\n"
    ) + script
    return subprocess.Popen([sys.executable, "-c", code], cwd=REPO)


def test_serving_process_follows_commits_and_alias_switches_of_another_process(tmp_path: Path) -> None:
    w = EdgeStore(tmp_path)
    w.create_collection("kb__v1", DIM, {})
    w.upsert("kb__v1", points(50))
    w.set_alias("kb", "kb__v1")
    w.close()
    reader = EdgeStore(tmp_path, read_only=True, refresh_s=0.2)
    try:
        q = VectorQuery(limit=100, dense=[0.1] * DIM)
        assert len(reader.query("kb", q)) == 50
        rev = reader.revision("kb")
        # an ingest in another process adds points to the live version while the reader serves
        p = _writer(tmp_path, "s.upsert('kb__v1', points(80)[50:]); s.commit(); s.close()\n")
        assert p.wait(60) == 0
        deadline = time.monotonic() + 10
        while reader.revision("kb") == rev:  # asking for the revision alone notices it (answer caches do)
            assert time.monotonic() < deadline, "reader did not pick up the committed update"
            time.sleep(0.05)
        assert len(reader.query("kb", q)) == 80
        # ... then builds a new version and promotes it
        p = _writer(
            tmp_path,
            "s.create_collection('kb__v2', 8, {}); s.upsert('kb__v2', points(7, seed=3)); "
            "s.commit(); s.set_alias('kb', 'kb__v2'); s.close()\n",
        )
        assert p.wait(60) == 0
        deadline = time.monotonic() + 10
        while len(reader.query("kb", q)) != 7:
            assert time.monotonic() < deadline, "reader did not follow the alias switch"
            time.sleep(0.05)
    finally:
        reader.close()
    assert not any((tmp_path / ".readers").iterdir())  # the reader's private copies are gone


def test_writer_killed_mid_write_leaves_the_published_index_intact(tmp_path: Path) -> None:
    w = EdgeStore(tmp_path)
    w.create_collection("c", DIM, {})
    w.upsert("c", points(40))
    w.close()
    p = _writer(
        tmp_path,
        "s.upsert('c', points(400)[40:]); print('written', flush=True); time.sleep(60)\n",
    )
    deadline = time.monotonic() + 60
    while not any(d.name == "gen-000003" for d in (tmp_path / "collections" / "c").iterdir()):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.5)
    os.kill(p.pid, signal.SIGKILL)
    p.wait(10)
    s = EdgeStore(tmp_path)  # the lock died with the writer: a new writer can start at once
    try:
        assert s.count("c") == 40  # nothing unpublished is visible
        s.upsert("c", points(60)[40:])
        s.commit()
        assert s.count("c") == 60
    finally:
        s.close()


def test_second_writer_waits_for_the_first(tmp_path: Path) -> None:
    w = EdgeStore(tmp_path)
    w.create_collection("c", DIM, {})
    w.upsert("c", points(10))  # holds the write lock until commit
    other = EdgeStore(tmp_path, lock_timeout_s=0.5)
    try:
        with pytest.raises(IndexError_, match="being written by another process"):
            other.upsert("c", points(20))
        w.commit()
        other.upsert("c", points(20))
        other.commit()
        assert other.count("c") == 20
    finally:
        other.close()
        w.close()


def test_revision_changes_with_updates_and_alias_switches(store: VectorStore) -> None:
    store.create_collection("c1", DIM, {})
    store.create_collection("c2", DIM, {})
    store.set_alias("kb", "c1")
    store.commit()
    r0 = store.revision("kb")
    store.upsert("c1", points(5))
    store.commit()
    store.set_metadata("c1", {"updated_at": "2026-11-25T10:00:00"})  # what the indexer stamps after a sync
    r1 = store.revision("kb")
    store.set_alias("kb", "c2")
    r2 = store.revision("kb")
    assert len({r0, r1, r2}) == 3
