"""Vectors embedded by the batches, kept in the run folder until the index step writes them.

The batches (on any worker) chunk and embed their documents and save one file per document:
<run_dir>/embeddings/<config key>/<doc_id>-<sha256>.npz (the sha256 of each embedding text + its vector).
The index step wraps its embedder in CachedEmbedder, which answers from these files and embeds only
what is missing, so nothing is embedded twice and the store is written by one process only (embedded
Qdrant allows one). The config key covers the embedding model and the chunking: a changed
configuration never reuses vectors of another one.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import secrets
from pathlib import Path

import numpy as np

from auskunft.index.embeddings import Embedder, WrappedEmbedder
from auskunft.models import Document, IndexConfig

log = logging.getLogger(__name__)

EMBEDDINGS_DIR = "embeddings"


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def config_key(config: IndexConfig) -> str:
    return hashlib.sha256(config.model_dump_json().encode()).hexdigest()[:16]


class EmbeddingFiles:
    """The per-document vector files of one run and one index configuration."""

    def __init__(self, run_dir: Path, config: IndexConfig) -> None:
        self.root = Path(run_dir) / EMBEDDINGS_DIR / config_key(config)

    def path(self, doc: Document) -> Path:
        return self.root / f"{doc.doc_id}-{doc.sha256[:16]}.npz"

    def has(self, doc: Document) -> bool:
        return self.path(doc).exists()

    def save(self, doc: Document, texts: list[str], vectors: list[list[float]]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        np.savez(
            buf,
            keys=np.array([text_key(t) for t in texts], dtype="U64"),
            vectors=np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1),
        )
        path = self.path(doc)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(3)}.tmp")
        try:
            tmp.write_bytes(buf.getvalue())
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    def load_all(self) -> dict[str, np.ndarray]:
        vectors: dict[str, np.ndarray] = {}
        if not self.root.exists():
            return vectors
        for path in self.root.glob("*.npz"):
            try:
                with np.load(path) as data:
                    for key, vec in zip(data["keys"], data["vectors"], strict=True):
                        vectors[str(key)] = vec
            except (OSError, ValueError, KeyError) as exc:  # unreadable: those texts are embedded again
                log.warning("ignoring unreadable embedding file %s: %s", path, exc)
        return vectors


class CachedEmbedder(WrappedEmbedder):
    """An Embedder that answers passages from precomputed vectors and embeds only the misses."""

    def __init__(self, inner: Embedder, vectors: dict[str, np.ndarray]) -> None:
        super().__init__(inner)
        self.vectors = vectors
        self.hits = 0
        self.misses = 0

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        keys = [text_key(t) for t in texts]
        missing = [i for i, k in enumerate(keys) if k not in self.vectors]
        fresh = self.inner.embed_passages([texts[i] for i in missing]) if missing else []
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        out: list[list[float]] = [[] for _ in texts]
        for i, vec in zip(missing, fresh, strict=True):
            out[i] = list(vec)
        for i, k in enumerate(keys):
            if not out[i]:
                out[i] = self.vectors[k].tolist()
        return out
