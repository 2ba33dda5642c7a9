"""The vector store behind the index: a Qdrant server (production) or qdrant-edge in-process (embedded)."""

from __future__ import annotations

from pathlib import Path

from auskunft.index.vectorstore.base import (
    DENSE,
    PAYLOAD_INDEXES,
    SPARSE,
    Hit,
    VectorPoint,
    VectorQuery,
    VectorStore,
    Where,
)


def open_store(
    url: str,
    path: Path,
    api_key: str | None = None,
    *,
    read_only: bool = False,
    timeout: int = 30,
) -> VectorStore:
    """A Qdrant server client when `url` is set, else the embedded qdrant-edge store under `path`.

    Embedded: any number of read-only stores (`auskunft serve` processes) and one writer at a time per
    collection (`auskunft ingest`) share `path`; readers pick up what the writer commits within a second.
    """
    if url:
        from qdrant_client import QdrantClient

        from auskunft.index.vectorstore.qdrant_server import QdrantStore

        return QdrantStore(QdrantClient(url=url, api_key=api_key, timeout=timeout))
    from auskunft.index.vectorstore.edge import EdgeStore

    return EdgeStore(Path(path), read_only=read_only)


__all__ = [
    "DENSE",
    "PAYLOAD_INDEXES",
    "SPARSE",
    "Hit",
    "VectorPoint",
    "VectorQuery",
    "VectorStore",
    "Where",
    "open_store",
]
