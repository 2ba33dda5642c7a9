"""Incremental sync of documents into a collection: unchanged documents are skipped, changed ones
re-chunked and re-embedded, gone ones deleted. Point ids are deterministic."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from pydantic import BaseModel
from qdrant_client import QdrantClient, models

from auskunft.index.chunking import chunk_document, embedding_text
from auskunft.index.embeddings import Embedder
from auskunft.index.sparse import Bm25Encoder
from auskunft.index.store import DENSE, SPARSE
from auskunft.models import Chunk, Document

log = logging.getLogger(__name__)


class SyncStats(BaseModel):
    docs_indexed: int = 0
    docs_skipped: int = 0
    docs_deleted: int = 0
    chunks_upserted: int = 0
    chunks_deleted: int = 0
    embed_seconds: float = 0.0
    seconds: float = 0.0


def chunk_payload(chunk: Chunk) -> dict:
    data = chunk.model_dump(mode="json", exclude={"chunk_id"})
    data["cite_url"] = chunk.cite_url
    return data


class Indexer:
    def __init__(self, client: QdrantClient, embedder: Embedder, sparse: Bm25Encoder, *, max_tokens: int = 350,
                 min_tokens: int = 40, overlap_tokens: int = 50, batch_size: int = 64, context: bool = True) -> None:
        self.client = client
        self.embedder = embedder
        self.sparse = sparse
        self.chunking = {"max_tokens": max_tokens, "min_tokens": min_tokens, "overlap_tokens": overlap_tokens}
        self.batch_size = batch_size
        self.context = context

    def indexed_docs(self, collection: str, source: str | None = None) -> dict[str, str]:
        """doc_id -> doc_sha256 of what the collection holds (optionally for one source)."""
        flt = None
        if source:
            flt = models.Filter(must=[models.FieldCondition(key="source", match=models.MatchValue(value=source))])
        out: dict[str, str] = {}
        offset = None
        while True:
            points, offset = self.client.scroll(collection, scroll_filter=flt, limit=1024, offset=offset,
                                                with_payload=["doc_id", "doc_sha256"], with_vectors=False)
            for p in points:
                payload = p.payload or {}
                out[payload["doc_id"]] = payload["doc_sha256"]
            if offset is None:
                return out

    def _delete_doc(self, collection: str, doc_id: str) -> int:
        flt = models.Filter(must=[models.FieldCondition(key="doc_id", match=models.MatchValue(value=doc_id))])
        n = self.client.count(collection, count_filter=flt, exact=True).count
        if n:
            self.client.delete(collection, points_selector=models.FilterSelector(filter=flt), wait=True)
        return n

    def _upsert(self, collection: str, chunks: list[Chunk]) -> float:
        texts = [embedding_text(c, self.context) for c in chunks]
        t0 = time.perf_counter()
        dense = self.embedder.embed_passages(texts)
        seconds = time.perf_counter() - t0
        points = []
        for chunk, text, vec in zip(chunks, texts, dense, strict=True):
            idx, vals = self.sparse.encode_document(text)
            points.append(models.PointStruct(
                id=chunk.chunk_id, payload=chunk_payload(chunk),
                vector={DENSE: vec, SPARSE: models.SparseVector(indices=idx, values=vals)},
            ))
        for i in range(0, len(points), self.batch_size):
            self.client.upsert(collection, points=points[i:i + self.batch_size], wait=True)
        return seconds

    def sync(self, collection: str, documents: Iterable[Document], gone_doc_ids: Iterable[str] = (), *,
             source: str | None = None, progress: bool = False) -> SyncStats:
        """Make the collection hold exactly these documents' current chunks (for `source`, when given:
        documents of that source that are in the collection but not in `documents` are deleted too)."""
        t0 = time.perf_counter()
        stats = SyncStats()
        known = self.indexed_docs(collection, source)
        docs = list(documents)
        wanted = {d.doc_id for d in docs}
        gone = set(gone_doc_ids) | ({d for d in known if d not in wanted} if source else set())
        bar = None
        if progress and docs:
            from rich.progress import Progress

            bar = Progress()
            bar.start()
            task = bar.add_task("index", total=len(docs))
        try:
            for doc in docs:
                if known.get(doc.doc_id) == doc.sha256:
                    stats.docs_skipped += 1
                else:
                    stats.chunks_deleted += self._delete_doc(collection, doc.doc_id) if doc.doc_id in known else 0
                    chunks = chunk_document(doc, **self.chunking)
                    if chunks:
                        stats.embed_seconds += self._upsert(collection, chunks)
                    stats.chunks_upserted += len(chunks)
                    stats.docs_indexed += 1
                if bar is not None:
                    bar.advance(task)
        finally:
            if bar is not None:
                bar.stop()
        for doc_id in gone:
            if doc_id in known:
                stats.chunks_deleted += self._delete_doc(collection, doc_id)
                stats.docs_deleted += 1
        stats.embed_seconds = round(stats.embed_seconds, 3)
        stats.seconds = round(time.perf_counter() - t0, 3)
        log.info("sync %s: %s", collection, stats.model_dump())
        return stats
