"""Incremental sync of documents into a collection.

Unchanged documents (same doc_id and doc_rev, the hash of the extracted document, already in the collection)
are skipped without embedding anything; new and changed ones are chunked, embedded in batches across documents
and upserted under deterministic point ids, after which a changed document's stale points are deleted
(new points first, so a failure never leaves a document missing); gone documents are deleted.
A document that fails (chunking, embedding, upsert) is counted and logged; the sync goes on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from pydantic import BaseModel

from auskunft.index.chunking import chunk_document, doc_rev, embedding_text
from auskunft.index.embeddings import Embedder
from auskunft.index.sparse import Bm25Encoder
from auskunft.index.vectorstore import VectorPoint, VectorStore, Where
from auskunft.index.versions import IndexManager
from auskunft.models import Chunk, Document, IndexConfig, IndexVersion, utcnow

log = logging.getLogger(__name__)


class SyncStats(BaseModel):
    docs_indexed: int = 0
    docs_skipped: int = 0
    docs_deleted: int = 0
    docs_failed: int = 0
    chunks_upserted: int = 0
    chunks_deleted: int = 0
    embed_seconds: float = 0.0
    seconds: float = 0.0
    failures: list[str] = []  # "doc_id url: reason" of failed documents


def chunk_payload(chunk: Chunk) -> dict:
    data = chunk.model_dump(mode="json", exclude={"chunk_id"})
    data["cite_url"] = chunk.cite_url
    return data


def _doc_filter(doc_id: str) -> Where:
    return Where.field("doc_id", doc_id)


class Indexer:
    """Chunks, embeds (dense + BM25) and writes documents into one collection."""

    def __init__(
        self,
        store: VectorStore,
        embedder: Embedder,
        sparse: Bm25Encoder,
        *,
        max_tokens: int = 350,
        min_tokens: int = 40,
        overlap_tokens: int = 50,
        batch_size: int = 64,
        context: bool = True,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.sparse = sparse
        self.chunking = {"max_tokens": max_tokens, "min_tokens": min_tokens, "overlap_tokens": overlap_tokens}
        self.batch_size = batch_size
        self.context = context

    @classmethod
    def for_config(
        cls, store: VectorStore, embedder: Embedder, sparse: Bm25Encoder, config: IndexConfig, **kw: int
    ) -> Indexer:
        return cls(
            store,
            embedder,
            sparse,
            max_tokens=config.chunk_max_tokens,
            min_tokens=config.chunk_min_tokens,
            overlap_tokens=config.chunk_overlap_tokens,
            context=config.chunk_context,
            **kw,
        )

    def indexed_docs(self, collection: str, source: str | None = None) -> dict[str, str]:
        """doc_id -> doc_rev of what the collection holds (optionally for one source)."""
        where = Where.field("source", source) if source else None
        return {
            p["doc_id"]: p.get("doc_rev", "")
            for _, p in self.store.scroll(collection, where, ["doc_id", "doc_rev"])
        }

    def _delete(self, collection: str, where: Where) -> int:
        n = self.store.count(collection, where)
        if n:
            self.store.delete(collection, where)
        return n

    def _delete_stale(self, collection: str, doc_id: str, keep: list[str]) -> int:
        return self._delete(collection, Where(any_of={"doc_id": [doc_id]}, exclude_ids=keep))

    def _points(self, chunks: list[Chunk]) -> tuple[list[VectorPoint], float]:
        texts = [embedding_text(c, self.context) for c in chunks]
        t0 = time.perf_counter()
        dense = self.embedder.embed_passages(texts)
        seconds = time.perf_counter() - t0
        points = []
        for chunk, text, vec in zip(chunks, texts, dense, strict=True):
            idx, vals = self.sparse.encode_document(text)
            points.append(
                VectorPoint(id=chunk.chunk_id, dense=vec, sparse=(idx, vals), payload=chunk_payload(chunk))
            )
        return points, seconds

    def _write(
        self,
        collection: str,
        docs: list[tuple[Document, list[Chunk]]],
        stats: SyncStats,
        known: dict[str, str],
    ) -> None:
        """Embed and upsert a batch of documents; on failure retry one document at a time to isolate it."""
        try:
            points, seconds = self._points([c for _, chunks in docs for c in chunks])
            for i in range(0, len(points), self.batch_size):
                self.store.upsert(collection, points[i : i + self.batch_size])
        except Exception as exc:
            if len(docs) > 1:
                for one in docs:
                    self._write(collection, [one], stats, known)
                return
            doc = docs[0][0]
            log.warning("indexing %s failed: %s", doc.url, exc)
            stats.docs_failed += 1
            stats.failures.append(f"{doc.doc_id} {doc.url}: {type(exc).__name__}: {exc}"[:500])
            return
        stats.embed_seconds += seconds
        for doc, chunks in docs:
            if doc.doc_id in known:
                stats.chunks_deleted += self._delete_stale(
                    collection, doc.doc_id, [c.chunk_id for c in chunks]
                )
            stats.chunks_upserted += len(chunks)
            stats.docs_indexed += 1

    def sync(
        self,
        collection: str,
        documents: Iterable[Document],
        gone_doc_ids: Iterable[str] = (),
        *,
        source: str | None = None,
        progress: bool = False,
    ) -> SyncStats:
        """Make the collection hold these documents' current chunks and none of the gone documents'.

        With `source`, documents of that source that the collection holds but `documents` does not
        contain are deleted too (a full listing of the source's current documents is expected then).
        """
        t0 = time.perf_counter()
        stats = SyncStats()
        known = self.indexed_docs(collection, source)
        seen: set[str] = set()
        pending: list[tuple[Document, list[Chunk]]] = []
        with _progress(progress) as advance:
            for doc in documents:
                seen.add(doc.doc_id)
                if known.get(doc.doc_id) == doc_rev(doc):
                    stats.docs_skipped += 1
                else:
                    try:
                        chunks = chunk_document(doc, **self.chunking)
                    except Exception as exc:  # a malformed document must not stop the sync
                        log.warning("chunking %s failed: %s", doc.url, exc)
                        stats.docs_failed += 1
                        stats.failures.append(f"{doc.doc_id} {doc.url}: chunking: {exc}"[:500])
                        continue
                    pending.append((doc, chunks))
                    if sum(len(c) for _, c in pending) >= self.batch_size:
                        self._write(collection, pending, stats, known)
                        pending = []
                advance()
            if pending:
                self._write(collection, pending, stats, known)
        gone = set(gone_doc_ids) | ({d for d in known if d not in seen} if source else set())
        for doc_id in sorted(gone - seen):
            if doc_id in known:
                stats.chunks_deleted += self._delete(collection, _doc_filter(doc_id))
                stats.docs_deleted += 1
        self.store.commit()  # visible to other processes (serving ones included) from here on
        if stats.docs_indexed or stats.docs_deleted:  # services key their answer caches on this
            self.store.set_metadata(collection, {"updated_at": utcnow().isoformat()})
        stats.embed_seconds = round(stats.embed_seconds, 3)
        stats.seconds = round(time.perf_counter() - t0, 3)
        log.info("sync %s: %s", collection, stats.model_dump(exclude={"failures"}))
        return stats

    def rebuild(
        self,
        manager: IndexManager,
        config: IndexConfig,
        documents: Iterable[Document],
        *,
        progress: bool = False,
    ) -> tuple[IndexVersion, SyncStats]:
        """Build a fresh version from `documents` (not promoted: the caller decides, e.g. after the gate)."""
        version = manager.create_version(config)
        return version, self.sync(version.collection, documents, progress=progress)


@contextmanager
def _progress(enabled: bool) -> Iterator:  # noqa: ANN202
    if not enabled:
        yield lambda: None
        return
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task("index", total=None)
        yield lambda: bar.advance(task)
