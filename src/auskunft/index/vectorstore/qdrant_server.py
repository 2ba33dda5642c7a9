"""`VectorStore` on a Qdrant server through qdrant-client (production; several processes and hosts share it).

Version metadata lives in each collection's Qdrant metadata and the live alias is a Qdrant alias, so every
host that reaches the server sees the same versions; the alias switch is one `update_collection_aliases` call.
The tests also run this code path against qdrant-client's local mode (no Qdrant server binary installs here);
local mode is not offered to users: it is a pure-Python emulation.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from qdrant_client import QdrantClient, models

from auskunft.index.vectorstore.base import (
    DENSE,
    PAYLOAD_INDEXES,
    SPARSE,
    Hit,
    VectorPoint,
    VectorQuery,
    Where,
)


def to_filter(where: Where | None) -> models.Filter | None:
    if where is None or (not where.any_of and not where.exclude_ids):
        return None
    must: list[models.Condition] = [
        models.FieldCondition(key=k, match=models.MatchValue(value=v[0]))
        if len(v) == 1
        else models.FieldCondition(key=k, match=models.MatchAny(any=list(v)))
        for k, v in where.any_of.items()
    ]
    must_not: list[models.Condition] = []
    if where.exclude_ids:
        must_not.append(models.HasIdCondition(has_id=list[models.ExtendedPointId](where.exclude_ids)))
    return models.Filter(must=must or None, must_not=must_not or None)


class QdrantStore:
    def __init__(self, client: QdrantClient) -> None:
        self.client = client

    def list_collections(self) -> list[str]:
        return [c.name for c in self.client.get_collections().collections]

    def create_collection(self, name: str, dim: int, metadata: dict) -> None:
        self.client.create_collection(
            name,
            vectors_config={DENSE: models.VectorParams(size=dim, distance=models.Distance.COSINE)},
            sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
            metadata=metadata,
        )
        if getattr(self.client, "_client", None).__class__.__name__ == "QdrantLocal":
            return  # local mode has no payload indexes (and warns)
        for field in PAYLOAD_INDEXES:
            self.client.create_payload_index(name, field, field_schema=models.PayloadSchemaType.KEYWORD)

    def delete_collection(self, name: str) -> None:
        self.client.delete_collection(name)

    def get_metadata(self, name: str) -> dict:
        return dict(self.client.get_collection(name).config.metadata or {})

    def set_metadata(self, name: str, metadata: dict) -> None:
        self.client.update_collection(name, metadata=metadata)

    def get_alias(self, alias: str) -> str | None:
        for a in self.client.get_aliases().aliases:
            if a.alias_name == alias:
                return str(a.collection_name)
        return None

    def set_alias(self, alias: str, collection: str) -> None:
        ops: list[models.AliasOperations] = []
        if self.get_alias(alias):
            ops.append(models.DeleteAliasOperation(delete_alias=models.DeleteAlias(alias_name=alias)))
        ops.append(
            models.CreateAliasOperation(
                create_alias=models.CreateAlias(collection_name=collection, alias_name=alias)
            )
        )
        self.client.update_collection_aliases(change_aliases_operations=ops)

    def revision(self, name: str) -> str:
        """Writes are visible at once on a server; the indexer stamps `updated_at` after each sync."""
        collection = self.get_alias(name) or name
        return f"{collection}/{self.get_metadata(collection).get('updated_at', '')}"

    def count(self, collection: str, where: Where | None = None) -> int:
        return self.client.count(collection, count_filter=to_filter(where), exact=True).count

    def upsert(self, collection: str, points: Sequence[VectorPoint]) -> None:
        self.client.upsert(
            collection,
            points=[
                models.PointStruct(
                    id=p.id,
                    payload=p.payload,
                    vector={
                        DENSE: p.dense,
                        SPARSE: models.SparseVector(indices=p.sparse[0], values=p.sparse[1]),
                    },
                )
                for p in points
            ],
            wait=True,
        )

    def delete(self, collection: str, where: Where) -> None:
        flt = to_filter(where)
        if flt is None:
            raise ValueError("refusing to delete without a condition")
        self.client.delete(collection, points_selector=models.FilterSelector(filter=flt), wait=True)

    def scroll(
        self, collection: str, where: Where | None, fields: Sequence[str]
    ) -> Iterator[tuple[str, dict]]:
        offset = None
        while True:
            points, offset = self.client.scroll(
                collection,
                scroll_filter=to_filter(where),
                limit=1024,
                offset=offset,
                with_payload=list(fields),
                with_vectors=False,
            )
            for p in points:
                yield str(p.id), dict(p.payload or {})
            if offset is None:
                return

    def scroll_dense(
        self, collection: str, fields: Sequence[str]
    ) -> Iterator[tuple[str, dict, np.ndarray | None]]:
        offset = None
        while True:
            points, offset = self.client.scroll(
                collection, limit=1024, offset=offset, with_payload=list(fields), with_vectors=[DENSE]
            )
            for p in points:
                hit = Hit.of(p.id, 0.0, p.payload, p.vector)
                yield hit.id, hit.payload, hit.dense
            if offset is None:
                return

    def query(self, collection: str, q: VectorQuery) -> list[Hit]:
        flt = to_filter(q.where)
        sparse = models.SparseVector(indices=q.sparse[0], values=q.sparse[1]) if q.sparse else None
        if not q.fusion:
            if q.dense is not None:
                res = self.client.query_points(
                    collection,
                    query=q.dense,
                    using=DENSE,
                    limit=q.limit,
                    query_filter=flt,
                    score_threshold=q.dense_threshold,
                    with_payload=True,
                    with_vectors=[DENSE] if q.with_dense else False,
                )
            elif sparse is not None:
                res = self.client.query_points(
                    collection, query=sparse, using=SPARSE, limit=q.limit, query_filter=flt, with_payload=True
                )
            else:
                return []
        else:
            prefetch, weights = [], []
            if q.dense is not None:
                prefetch.append(
                    models.Prefetch(
                        query=q.dense,
                        using=DENSE,
                        limit=q.prefetch_limit,
                        filter=flt,
                        score_threshold=q.dense_threshold,
                    )
                )
                weights.append(q.weights[0])
            if sparse is not None and sparse.indices:
                prefetch.append(
                    models.Prefetch(query=sparse, using=SPARSE, limit=q.prefetch_limit, filter=flt)
                )
                weights.append(q.weights[1])
            if not prefetch:
                return []
            res = self.client.query_points(
                collection,
                prefetch=prefetch,
                query=models.RrfQuery(rrf=models.Rrf(k=q.rrf_k, weights=weights)),
                limit=q.limit,
                with_payload=True,
                with_vectors=[DENSE] if q.with_dense else False,
            )
        return [Hit.of(p.id, p.score, p.payload, p.vector) for p in res.points]

    def commit(self) -> None:
        """Every write above waited for the server: nothing to do."""

    def close(self) -> None:
        self.client.close()
