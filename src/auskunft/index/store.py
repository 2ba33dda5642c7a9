"""Qdrant client and the collection layout: named dense vector "dense" + sparse "bm25" (IDF) per point."""

from __future__ import annotations

from pathlib import Path

from qdrant_client import QdrantClient, models

DENSE = "dense"
SPARSE = "bm25"


def open_qdrant(url: str, path: Path, api_key: str | None = None, timeout: int = 30) -> QdrantClient:
    """A server client when `url` is set, else embedded local mode at `path` (one client per path!)."""
    if url:
        return QdrantClient(url=url, api_key=api_key, timeout=timeout)
    Path(path).mkdir(parents=True, exist_ok=True)
    return QdrantClient(path=str(path))


def create_collection(client: QdrantClient, name: str, dim: int, metadata: dict) -> None:
    client.create_collection(
        name,
        vectors_config={DENSE: models.VectorParams(size=dim, distance=models.Distance.COSINE)},
        sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
        metadata=metadata,
    )
    if getattr(client, "_client", None).__class__.__name__ == "QdrantLocal":
        return  # local mode has no payload indexes (and warns)
    for field, schema in (("doc_id", models.PayloadSchemaType.KEYWORD), ("source", models.PayloadSchemaType.KEYWORD),
                          ("url", models.PayloadSchemaType.KEYWORD)):
        client.create_payload_index(name, field, field_schema=schema)
