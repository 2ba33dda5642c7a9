"""Hybrid retrieval in Qdrant: dense + BM25 sparse prefetch fused with reciprocal-rank fusion (RRF)."""

from __future__ import annotations

from typing import Literal

from qdrant_client import QdrantClient, models

from auskunft.index.embeddings import Embedder
from auskunft.index.sparse import Bm25Encoder
from auskunft.index.store import DENSE, SPARSE
from auskunft.models import Chunk, RetrievedChunk

Mode = Literal["hybrid", "dense", "sparse"]


def chunk_from_payload(point_id: object, payload: dict) -> Chunk:
    data = {k: v for k, v in payload.items() if k != "cite_url"}
    return Chunk(chunk_id=str(point_id), **data)


class HybridSearcher:
    """`score_threshold` applies to the dense cosine similarity (RRF scores are rank-based, not comparable)."""

    def __init__(self, client: QdrantClient, collection: str, embedder: Embedder, sparse: Bm25Encoder) -> None:
        self.client = client
        self.collection = collection
        self.embedder = embedder
        self.sparse = sparse

    @staticmethod
    def _filter(sources: list[str] | None) -> models.Filter | None:
        if not sources:
            return None
        return models.Filter(must=[models.FieldCondition(key="source", match=models.MatchAny(any=list(sources)))])

    def search(self, query: str, *, top_k: int = 6, mode: Mode = "hybrid", prefetch_k: int = 40,
               score_threshold: float = 0.0, sources: list[str] | None = None,
               collection: str | None = None) -> list[RetrievedChunk]:
        flt = self._filter(sources)
        target = collection or self.collection
        threshold = score_threshold or None
        if mode == "sparse":
            idx, vals = self.sparse.encode_query(query)
            if not idx:
                return []
            res = self.client.query_points(target, query=models.SparseVector(indices=idx, values=vals), using=SPARSE,
                                           limit=top_k, query_filter=flt, with_payload=True)
        elif mode == "dense":
            res = self.client.query_points(target, query=self.embedder.embed_query(query), using=DENSE, limit=top_k,
                                           query_filter=flt, score_threshold=threshold, with_payload=True)
        else:
            idx, vals = self.sparse.encode_query(query)
            prefetch = [models.Prefetch(query=self.embedder.embed_query(query), using=DENSE, limit=prefetch_k,
                                        filter=flt, score_threshold=threshold)]
            if idx:
                prefetch.append(models.Prefetch(query=models.SparseVector(indices=idx, values=vals), using=SPARSE,
                                                limit=prefetch_k, filter=flt))
            res = self.client.query_points(target, prefetch=prefetch, query=models.FusionQuery(fusion=models.Fusion.RRF),
                                           limit=top_k, with_payload=True)
        return [RetrievedChunk(chunk=chunk_from_payload(p.id, p.payload or {}), score=float(p.score), rank=i + 1)
                for i, p in enumerate(res.points)]
