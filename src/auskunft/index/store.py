"""Qdrant client and the collection layout: named dense vector "dense" + sparse "bm25" (IDF) per point."""

from __future__ import annotations

from pathlib import Path

from qdrant_client import QdrantClient, models

from auskunft.errors import IndexError_

DENSE = "dense"
SPARSE = "bm25"


def open_qdrant(url: str, path: Path, api_key: str | None = None, timeout: int = 30) -> QdrantClient:
    """A server client when `url` is set, else embedded local mode at `path` (one client per path!)."""
    if url:
        return QdrantClient(url=url, api_key=api_key, timeout=timeout)
    Path(path).mkdir(parents=True, exist_ok=True)
    try:
        return QdrantClient(path=str(path))
    except RuntimeError as exc:
        if "already accessed" not in str(exc):
            raise
        raise IndexError_(
            f"the local Qdrant store {path} is open in another process or client; close it, or set "
            "QDRANT_URL to a Qdrant server for concurrent access",
            code="index_locked",
        ) from exc


def create_collection(client: QdrantClient, name: str, dim: int, metadata: dict) -> None:
    client.create_collection(
        name,
        vectors_config={DENSE: models.VectorParams(size=dim, distance=models.Distance.COSINE)},
        sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
        metadata=metadata,
    )
    if getattr(client, "_client", None).__class__.__name__ == "QdrantLocal":
        return  # local mode has no payload indexes (and warns)
    for field, schema in (
        ("doc_id", models.PayloadSchemaType.KEYWORD),
        ("source", models.PayloadSchemaType.KEYWORD),
        ("url", models.PayloadSchemaType.KEYWORD),
    ):
        client.create_payload_index(name, field, field_schema=schema)
