"""Optional reranking of the retrieved passages by a cross-encoder served over HTTP (off by default).

`POST {base}/rerank` in one of two common shapes (`api`):
- "cohere": `{model, query, documents: [str], top_n}` -> `{"results": [{"index", "relevance_score"}]}`,
  as served by Cohere (`/v2/rerank`), Jina (`/v1/rerank`), vLLM (`/rerank`, `/v1/rerank`), Infinity (`/rerank`);
- "tei": Hugging Face text-embeddings-inference, `{query, texts: [str], truncate}` -> `[{"index", "score"}]`.
Responses are read leniently: a list or an object with `results` or `data`; `relevance_score` or `score`.

Fail-open: on a timeout, a connection or HTTP error or an unreadable answer the retrieval order stands (cut
to `top_k`), the failure is counted, and it is logged once per outage (again when the service recovers).
No offline German reranker ships in any wheel, so this stays off unless `RERANK_URL` is set.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Literal

import httpx

from auskunft.errors import ConfigError
from auskunft.index.embeddings import Embedder
from auskunft.models import RetrievedChunk
from auskunft.retrieval.base import Retriever
from auskunft.retrieval.search import Mode

log = logging.getLogger(__name__)

RerankApi = Literal["cohere", "tei"]


def rerank_url(base_url: str) -> str:
    """`{base}/rerank` unless the base already names the endpoint."""
    base = base_url.rstrip("/")
    return base if base.endswith("/rerank") else f"{base}/rerank"


def parse_scores(payload: Any, n_documents: int) -> list[tuple[int, float]]:
    """(document index, score) pairs of a rerank response, best first; ValueError when unreadable."""
    items = payload
    if isinstance(payload, dict):
        items = payload.get("results", payload.get("data"))
    if not isinstance(items, list):
        raise ValueError("rerank response has no result list")
    out: list[tuple[int, float]] = []
    for item in items:
        if not isinstance(item, dict):
            raise ValueError("rerank result is not an object")
        index = item.get("index")
        score = item.get("relevance_score", item.get("score"))
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < n_documents:
            raise ValueError(f"rerank result index {index!r} out of range")
        if not isinstance(score, (int, float)) or isinstance(score, bool):
            raise ValueError(f"rerank result score {score!r} is not a number")
        out.append((index, float(score)))
    return sorted(out, key=lambda p: -p[1])


class HttpReranker:
    """Reranks hits with a rerank endpoint; thread-safe (one pooled httpx client)."""

    def __init__(
        self,
        base_url: str,
        *,
        model: str = "",
        api: RerankApi = "cohere",
        api_key: str | None = None,
        timeout_s: float = 5.0,
        max_chars: int = 4000,
    ) -> None:
        if not base_url:
            raise ConfigError("RERANK_URL must name the rerank server (e.g. http://127.0.0.1:8080)")
        if api not in ("cohere", "tei"):
            raise ConfigError(f"unknown RERANK_API {api!r} (cohere or tei)")
        if api == "cohere" and not model:
            raise ConfigError("RERANK_MODEL must name the rerank model for RERANK_API=cohere")
        self.url = rerank_url(base_url)
        self.model, self.api, self.timeout_s, self.max_chars = model, api, timeout_s, max_chars
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(timeout=timeout_s, headers=headers)
        self._lock = threading.Lock()
        self.calls = 0
        self.failures = 0
        self._down = False  # in an outage: log the first failure only

    def close(self) -> None:
        self._client.close()

    def _body(self, query: str, documents: list[str], top_n: int) -> dict[str, Any]:
        if self.api == "tei":
            body: dict[str, Any] = {"query": query, "texts": documents, "truncate": True}
            if self.model:
                body["model"] = self.model
            return body
        return {"model": self.model, "query": query, "documents": documents, "top_n": top_n}

    def scores(self, query: str, documents: list[str], top_n: int) -> list[tuple[int, float]]:
        """(index, score) best first; raises on any failure (`rerank` turns that into fail-open)."""
        resp = self._client.post(self.url, json=self._body(query, documents, top_n))
        resp.raise_for_status()
        return parse_scores(resp.json(), len(documents))

    def rerank(self, query: str, hits: list[RetrievedChunk], top_k: int) -> list[RetrievedChunk]:
        """The hits in the reranker's order, `top_k` of them; the retrieval order when the reranker fails."""
        if len(hits) <= 1:
            return hits[:top_k]
        documents = [
            (f"{h.chunk.title}\n{h.chunk.text}" if h.chunk.title else h.chunk.text)[: self.max_chars]
            for h in hits
        ]
        with self._lock:
            self.calls += 1
        try:
            ranked = self.scores(query, documents, top_k)
        except (httpx.HTTPError, ValueError) as exc:  # ValueError: bad JSON or shape
            with self._lock:
                self.failures += 1
                first = not self._down
                self._down = True
            if first:
                log.warning(
                    "reranker %s failed (%s: %s); keeping the retrieval order until it answers again",
                    self.url,
                    type(exc).__name__,
                    str(exc)[:200],
                )
            return [h.model_copy(update={"rank": i + 1}) for i, h in enumerate(hits[:top_k])]
        with self._lock:
            if self._down:
                log.info("reranker %s answers again (%d failed calls so far)", self.url, self.failures)
            self._down = False
        order = list(dict.fromkeys(i for i, _ in ranked))
        order += [
            i for i in range(len(hits)) if i not in set(order)
        ]  # a top_n answer: the rest keep their order
        return [hits[i].model_copy(update={"rank": r + 1}) for r, i in enumerate(order[:top_k])]


class RerankingRetriever:
    """A `Retriever` over another: asks it for `candidates` hits (at least `top_k`) and keeps the reranked
    `top_k`. Its `embedder` is the inner retriever's (the engine starts it, curated answers share it)."""

    def __init__(self, inner: Retriever, reranker: HttpReranker, *, candidates: int) -> None:
        self.inner = inner
        self.reranker = reranker
        self.candidates = candidates

    @property
    def embedder(self) -> Embedder | None:
        return self.inner.embedder

    def search(
        self,
        query: str,
        *,
        top_k: int = 6,
        mode: Mode = "hybrid",
        prefetch_k: int = 40,
        score_threshold: float = 0.0,
        sources: list[str] | None = None,
    ) -> list[RetrievedChunk]:
        hits = self.inner.search(
            query,
            top_k=max(self.candidates, top_k),
            mode=mode,
            prefetch_k=prefetch_k,
            score_threshold=score_threshold,
            sources=sources,
        )
        return self.reranker.rerank(query, list(hits), top_k)
