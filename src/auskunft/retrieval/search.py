"""Hybrid retrieval in Qdrant: dense + BM25 sparse prefetch fused with reciprocal-rank fusion (RRF).

One query per search (through the `VectorStore` seam: a Qdrant server or qdrant-edge): two prefetches (dense cosine on "dense", BM25 on "bm25" with
Qdrant's IDF modifier), each `prefetch_k` long and filtered by source inside Qdrant, fused with
weighted RRF: score(d) = sum_i 1 / ((rank_i(d) + 1) / w_i + k - 1) (Qdrant's formula, rank from 0).

Score threshold: `score_threshold` is a minimum dense cosine similarity, the only score here that
means the same across queries (BM25 and RRF scores do not). Dense mode: Qdrant drops hits below it.
Hybrid mode: dense candidates below it are not prefetched, and fused hits whose own cosine is below
it (found by BM25 alone) are dropped too, so every hit returned has `dense_score >= score_threshold`
and fewer than `top_k` hits may come back. Sparse mode ignores it. 0 disables it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

import numpy as np

from auskunft.index.embeddings import Embedder
from auskunft.index.sparse import Bm25Encoder
from auskunft.index.vectorstore import Hit, VectorQuery, VectorStore, Where
from auskunft.models import Chunk, RetrievedChunk
from auskunft.retrieval.refine import refine
from auskunft.retrieval.votes import CandidateVotes

Mode = Literal["hybrid", "dense", "sparse"]

# Chosen leave-one-site-out on the real-site corpus (docs/quality.md, 2026-12-05): every fold chose dense weight
# 1.5 and RRF k 10 together with the candidates' votes (before: 1:1 and k 2, chosen on XQuAD-de, where the
# shipped path now scores nDCG@10 0.976 against 0.972 before).
DEFAULT_RRF_K = 10
DEFAULT_WEIGHTS = (1.5, 1.0)  # (dense, sparse)


_PLACEHOLDER = re.compile(r"\[(?:Bild|Image|Grafik|Foto|Logo)\b[^\]]*\]|\]\([^)]*\)", re.I)
_WORD = re.compile(r"[^\W\d_]{2,}")


def content_words(text: str) -> int:
    """Words of a passage's own text, image placeholders and link targets aside (an address is content)."""
    return len(_WORD.findall(_PLACEHOLDER.sub(" ", text)))


def chunk_from_payload(point_id: object, payload: dict) -> Chunk:
    data = {k: v for k, v in payload.items() if k != "cite_url"}
    return Chunk(chunk_id=str(point_id), **data)


def _chunk(hit: Hit) -> Chunk:
    """The hit's Chunk, made once per point where the store shares points between queries (`Hit.memo`: a
    published generation never changes; nothing downstream changes a Chunk's fields)."""
    if hit.memo is None:
        return chunk_from_payload(hit.id, hit.payload)
    chunk = hit.memo.get("chunk")
    if chunk is None:
        chunk = hit.memo["chunk"] = chunk_from_payload(hit.id, hit.payload)
    return chunk


def _cosines(query: list[float], vectors: list) -> list[float | None]:
    """Cosine of the query with each hit's vector (one matrix product); None for a hit without one."""
    q = np.asarray(query, dtype=np.float32)
    rows = [i for i, v in enumerate(vectors) if v is not None and len(v) == len(q)]
    out: list[float | None] = [None] * len(vectors)
    if rows:
        m = np.stack([np.asarray(vectors[i], dtype=np.float32) for i in rows])
        norms = np.linalg.norm(m, axis=1) * float(np.linalg.norm(q))
        cos = np.divide(m @ q, norms, out=np.zeros(len(rows), dtype=np.float32), where=norms > 0)
        for i, c in zip(rows, cos.tolist(), strict=True):
            out[i] = c
    return out


class HybridSearcher:
    """Searches one collection or alias. Thread-safe as far as the store and the embedder are."""

    def __init__(
        self,
        store: VectorStore,
        collection: str,
        embedder: Embedder,
        sparse: Bm25Encoder,
        *,
        rrf_k: int = DEFAULT_RRF_K,
        weights: tuple[float, float] = DEFAULT_WEIGHTS,
        refined: bool = True,
        refine_params: dict[str, float] | None = None,
        max_per_doc: int = 0,
        min_content_words: int = 0,
        votes: CandidateVotes | None = None,
    ) -> None:
        self.store = store
        self.collection = collection
        self.embedder = embedder
        self.sparse = sparse
        self.rrf_k = rrf_k
        self.weights = weights
        self.refined = refined  # fold copies, prefer newer, listings lower (auskunft.retrieval.refine)
        self.refine_params = dict(refine_params or {})  # keyword overrides of refine()'s defaults
        self.max_per_doc = max_per_doc  # at most this many passages of one document (0: no cap)
        # passages whose own text holds fewer words (image placeholders and link targets aside) are no
        # answer to anything, yet a near-empty text embeds close to every short question (0: keep them)
        self.min_content_words = min_content_words
        # a second look at the fused candidates (best sentence, hubness, year; auskunft.retrieval.votes)
        self.votes = votes

    def search(
        self,
        query: str,
        *,
        top_k: int = 6,
        mode: Mode = "hybrid",
        prefetch_k: int = 40,
        score_threshold: float = 0.0,
        sources: list[str] | None = None,
        collection: str | None = None,
    ) -> list[RetrievedChunk]:
        if not query.strip() or top_k <= 0:
            return []
        if mode not in ("hybrid", "dense", "sparse"):
            raise ValueError(f"unknown retrieval mode {mode!r} (hybrid, dense or sparse)")
        where = Where(any_of={"source": list(sources)}) if sources else None
        votes = self.votes if mode != "sparse" else None
        pool = max(top_k, votes.params.candidates) if votes is not None else top_k
        limit = 2 * pool + 4 if self.refined else pool  # headroom: folded copies leave room for others
        target = collection or self.collection
        threshold = score_threshold or None
        if mode == "sparse":
            idx, vals = self.sparse.encode_query(query)
            if not idx:
                return []
            hits = self.store.query(target, VectorQuery(limit=limit, sparse=(idx, vals), where=where))
            found = [RetrievedChunk(chunk=_chunk(h), score=h.score, rank=i + 1) for i, h in enumerate(hits)]
            return self._finish(found, {}, pool)
        qvec = self.embedder.embed_query(query)
        if mode == "dense":
            q = VectorQuery(
                limit=limit, dense=qvec, where=where, dense_threshold=threshold, with_dense=self.refined
            )
            hits = self.store.query(target, q)
            found = [
                RetrievedChunk(chunk=_chunk(h), score=h.score, rank=i + 1, dense_score=h.score)
                for i, h in enumerate(hits)
            ]
            found = self._finish(found, {h.id: h.dense for h in hits if h.dense is not None}, pool)
            return self._vote(query, qvec, found, top_k)
        hits = self.store.query(
            target,
            VectorQuery(
                limit=limit,
                dense=qvec,
                sparse=self.sparse.encode_query(query),
                fusion=True,
                prefetch_limit=max(prefetch_k, limit),
                where=where,
                dense_threshold=threshold,
                rrf_k=self.rrf_k,
                weights=self.weights,
                with_dense=True,
            ),
        )
        out: list[RetrievedChunk] = []
        for h, cos in zip(hits, _cosines(qvec, [h.dense for h in hits]), strict=True):
            if threshold and (cos is None or cos < threshold):
                continue
            out.append(
                RetrievedChunk(
                    chunk=_chunk(h),
                    score=h.score,
                    rank=len(out) + 1,
                    dense_score=cos,
                )
            )
        out = self._finish(out, {h.id: h.dense for h in hits if h.dense is not None}, pool)
        return self._vote(query, qvec, out, top_k)

    def _vote(
        self, query: str, qvec: list[float], hits: list[RetrievedChunk], top_k: int
    ) -> list[RetrievedChunk]:
        if self.votes is None:
            return hits
        return self.votes.reorder(query, qvec, hits)[:top_k]  # ranked 1.. by reorder (or by _finish)

    def _finish(
        self, hits: list[RetrievedChunk], vectors: Mapping[str, np.ndarray], pool: int
    ) -> list[RetrievedChunk]:
        """Sorted, refined, capped per document: the first `pool` (the votes may reorder more than `top_k`;
        without votes `pool` is `top_k`)."""
        # equal fused scores come back in any order (the engine's hash maps): the chunk id breaks ties, so the
        # same question over the same index always gets the same sources
        hits = sorted(hits, key=lambda h: (-h.score, h.chunk.chunk_id))
        if self.min_content_words > 0:
            hits = [h for h in hits if content_words(h.chunk.text) >= self.min_content_words]
        for n, h in enumerate(hits, 1):
            h.rank = n
        if self.refined:
            # refine ranks all of them and copies the first top_k: the cap per document needs them all, else
            # only the `pool` kept below (the same first `pool`, without copying the rest)
            keep = len(hits) if self.max_per_doc > 0 else pool
            hits = refine(hits, vectors, top_k=keep, **self.refine_params)
        if self.max_per_doc > 0:
            per_doc: dict[str, int] = {}
            capped = []
            for h in hits:
                per_doc[h.chunk.url] = per_doc.get(h.chunk.url, 0) + 1
                if per_doc[h.chunk.url] <= self.max_per_doc:
                    capped.append(h)
            hits = capped
        hits = hits[:pool]
        for n, h in enumerate(hits, 1):
            h.rank = n
        return hits
