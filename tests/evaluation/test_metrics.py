import math

import pytest

from auskunft.evaluation import metrics as M
from auskunft.evaluation.bm25_reference import PlainBM25
from auskunft.evaluation.datasets import BENCHMARKS_DIR, load_beir


def test_hand_computed_ranking_metrics() -> None:
    ranked = ["a", "b", "c", "a", "d"]
    assert M.hit_at_k(ranked, {"c"}, 2) == 0.0
    assert M.hit_at_k(ranked, {"c"}, 3) == 1.0
    assert M.mrr(ranked, {"c", "d"}) == pytest.approx(1 / 3)
    assert M.recall_at_k(ranked, {"b", "z"}, 5) == 0.5
    # dedupe: a, b, c, d -> relevant b (rank 2) and d (rank 4)
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    idcg = 1 + 1 / math.log2(3)
    assert M.ndcg_at_k(ranked, {"b", "d"}) == pytest.approx(dcg / idcg)
    assert M.ndcg_at_k(["x"], {"b"}) == 0.0
    graded = M.ndcg_at_k(["a", "b"], {"a": 1, "b": 2})
    assert graded == pytest.approx((1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3)))


def test_mean_ignores_missing_keys() -> None:
    assert M.mean([{"x": 1.0}, {"x": 0.0, "y": 1.0}]) == {"x": 0.5, "y": 1.0}


def test_plain_bm25_reproduces_published_figure_on_xquad() -> None:
    """Sanity check of the metric code: published BM25 0.925, a plain BM25 gives 0.916 (benchmarks README)."""
    if not (BENCHMARKS_DIR / "xquad-de").exists():
        pytest.fail("../shared/benchmarks missing beside the checkout")
    bench = load_beir("xquad-de")
    bm25 = PlainBM25({i: f"{d['title']} {d['text']}" for i, d in bench.corpus.items()})
    rows = [
        M.retrieval_scores(bm25.search(q, 10), bench.qrels[qid], ks=(10,)) for qid, q in bench.queries.items()
    ]
    ndcg = M.mean(rows)["ndcg@10"]
    assert abs(ndcg - 0.925) <= 0.02, ndcg


@pytest.mark.slow
def test_plain_bm25_reproduces_published_figure_on_scifact() -> None:
    """Published BM25 0.665, a plain BM25 gives 0.660 (benchmarks README); ~1 min."""
    bench = load_beir("scifact")
    bm25 = PlainBM25({i: f"{d['title']} {d['text']}" for i, d in bench.corpus.items()})
    rows = [
        M.retrieval_scores(bm25.search(q, 10), bench.qrels[qid], ks=(10,)) for qid, q in bench.queries.items()
    ]
    assert abs(M.mean(rows)["ndcg@10"] - 0.665) <= 0.02


def test_sparse_encoder_scorer_on_xquad_subset() -> None:
    """The index's BM25 encoder, scored like Qdrant's IDF modifier, ranks XQuAD-de at least as well as plain BM25."""
    from auskunft.evaluation.beir import sparse_encoder_scores

    bench = load_beir("xquad-de")
    qids = list(bench.queries)[:300]
    bm25 = PlainBM25({i: f"{d['title']} {d['text']}" for i, d in bench.corpus.items()})
    plain = M.mean(
        [M.retrieval_scores(bm25.search(bench.queries[q], 10), bench.qrels[q], ks=(10,)) for q in qids]
    )
    encoder = sparse_encoder_scores(bench, max_queries=300)
    assert encoder["queries"] == 300
    assert encoder["ndcg@10"] >= plain["ndcg@10"] - 0.01 and encoder["ndcg@10"] > 0.85


def test_chunk_hits_count_for_their_document_and_pdf_page() -> None:
    from auskunft.evaluation.runner import _keys

    chunks = [("http://x/a.pdf", 2), ("http://x/b/", None), ("http://x/a.pdf", 1), ("http://x/a.pdf", 1)]
    urls = [_keys(u, p)[0] for u, p in chunks]
    pages = [_keys(u, p)[1] for u, p in chunks]
    assert pages == ["http://x/a.pdf#page=2", "http://x/b/", "http://x/a.pdf#page=1", "http://x/a.pdf#page=1"]
    by_url = M.retrieval_scores(urls, {"http://x/a.pdf"})
    assert by_url["hit@1"] == 1.0 and by_url["mrr"] == 1.0
    by_page = M.retrieval_scores(pages, {"http://x/a.pdf#page=1"})
    assert by_page["hit@1"] == 0.0 and by_page["hit@3"] == 1.0 and by_page["mrr"] == pytest.approx(1 / 3)
    # a second chunk of the same document does not count twice
    assert M.recall_at_k(M.dedupe(urls), {"http://x/a.pdf", "http://x/b/"}, 2) == 1.0
