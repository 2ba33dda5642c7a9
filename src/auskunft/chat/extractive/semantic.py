"""The meaning signal of the extractive answer: sentence and question vectors from the retrieval embedder.

Sentences are embedded as passages (e5: "passage: ") and the question as a query, with the same model the
index was built with, so a sentence that answers in other words than the question still matches. Vectors
are cached per sentence text (LRU, thread-safe): a page that is retrieved again costs nothing, and the
first answer from a page costs about one passage embedding per sentence (measured in the README).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict

import numpy as np

from auskunft.index.embeddings import Embedder

log = logging.getLogger(__name__)


def _key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def _unit(vec: list[float]) -> np.ndarray:
    arr = np.asarray(vec, dtype=np.float32)
    norm = float(np.linalg.norm(arr))
    return arr / norm if norm else arr


class SentenceVectors:
    """Unit vectors of sentences (cached) and questions (a small cache too: a question is often asked again)."""

    def __init__(self, embedder: Embedder, *, max_sentences: int = 20_000, max_queries: int = 512) -> None:
        self.embedder = embedder
        self.max_sentences = max_sentences
        self.max_queries = max_queries
        self._sentences: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.embedded = 0  # sentences embedded so far (cache misses)
        self.hits = 0  # sentences served from the cache

    def query(self, text: str) -> np.ndarray:
        with self._lock:
            vec = self._queries.get(text)
            if vec is not None:
                self._queries.move_to_end(text)
                return vec
        vec = _unit(self.embedder.embed_query(text))
        with self._lock:
            self._queries[text] = vec
            while len(self._queries) > self.max_queries:
                self._queries.popitem(last=False)
        return vec

    def sentences(self, texts: list[str]) -> np.ndarray:
        """One unit vector per text (rows), embedding only those not cached, in one batch."""
        keys = [_key(t) for t in texts]
        out: list[np.ndarray | None] = []
        missing: dict[bytes, str] = {}
        with self._lock:
            for k, t in zip(keys, texts, strict=True):
                vec = self._sentences.get(k)
                if vec is None:
                    missing.setdefault(k, t)
                else:
                    self._sentences.move_to_end(k)
                    self.hits += 1
                out.append(vec)
        if missing:
            vecs = self.embedder.embed_passages(list(missing.values()))
            fresh = {k: _unit(v) for k, v in zip(missing, vecs, strict=True)}
            with self._lock:
                self.embedded += len(fresh)
                for k, v in fresh.items():
                    self._sentences[k] = v
                while len(self._sentences) > self.max_sentences:
                    self._sentences.popitem(last=False)
            out = [fresh[k] if v is None else v for k, v in zip(keys, out, strict=True)]
        if not out:
            return np.zeros((0, max(1, self.embedder.dim)), dtype=np.float32)
        return np.vstack([v for v in out if v is not None])
