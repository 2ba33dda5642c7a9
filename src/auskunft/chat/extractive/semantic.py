"""The meaning signal of the extractive answer: sentence and question vectors from the retrieval embedder.

Sentences are embedded as passages (e5: "passage: ") and the question as a query, with the same model the
index was built with, so a sentence that answers in other words than the question still matches.

Where a sentence's vector comes from, first to last:
- the version's precomputed store (`auskunft.index.sentence_store`, written by `precompute_sentences` when a
  run has indexed: every sentence of every chunk, split as `score` splits them), memory-mapped and shared by
  the service processes: an answer then embeds only its question;
- an in-process LRU of sentences embedded at query time (a page retrieved again costs nothing);
- the embedder, for sentences neither holds (one passage embedding each: most of an answer's cost without
  the store; docs/benchmarks-serving.md "Sentence vectors at index time").
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np

from auskunft.chat.extractive.sentences import SPLIT_VERSION
from auskunft.chat.extractive.sentences import sentences as split_sentences
from auskunft.index.embeddings import Embedder
from auskunft.index.hubness import hubness
from auskunft.index.sentence_store import (
    PRIOR_DTYPE,
    SentenceStore,
    SentenceStores,
    SentenceVectorsReport,
    chunk_key,
    sentence_key,
    write_store,
)
from auskunft.index.vectorstore import VectorStore
from auskunft.text.cache import Lru

log = logging.getLogger(__name__)


_key = sentence_key


def _unit(vec: list[float]) -> np.ndarray:
    arr = np.asarray(vec, dtype=np.float32)
    norm = float(np.linalg.norm(arr))
    return arr / norm if norm else arr


class SentenceVectors:
    """Unit vectors of sentences (precomputed store, then cached) and questions (a small cache too: a question
    is often asked again). `store`: the precomputed sentence vectors of the version searched (None: none)."""

    def __init__(
        self,
        embedder: Embedder,
        *,
        max_sentences: int = 20_000,
        max_queries: int = 512,
        store: SentenceStores | None = None,
    ) -> None:
        self.embedder = embedder
        self.max_sentences = max_sentences
        self.store = store
        self._sentences: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._queries: Lru[str, np.ndarray] = Lru(max_queries)
        self._lock = threading.Lock()
        self.embedded = 0  # sentences embedded so far (cache misses)
        self.hits = 0  # sentences served from the cache
        self.stored = 0  # sentences served from the precomputed store

    def query(self, text: str) -> np.ndarray:
        return self._queries.get(text, lambda t: _unit(self.embedder.embed_query(t)))

    def sentences(self, texts: list[str]) -> np.ndarray:
        """One unit vector per text (rows), embedding only those not cached, in one batch."""
        keys = [_key(t) for t in texts]
        out: list[np.ndarray | None] = []
        missing: dict[bytes, str] = {}
        found, rows = self._precomputed(keys)
        with self._lock:
            self.stored += int(found.sum())
            for i, (k, t) in enumerate(zip(keys, texts, strict=True)):
                if found[i]:
                    out.append(rows[i])
                    continue
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

    def _precomputed(self, keys: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
        store = self.store.current() if self.store is not None else None
        if store is None or not keys:
            return np.zeros(len(keys), dtype=bool), np.zeros((len(keys), 0), dtype=np.float32)
        return store.lookup(keys)


# ----------------------------------------------------------------------------------- at index time


def candidate_sentences(text: str) -> list[str]:
    """The sentences of a chunk's text the answerer may embed (`ExtractiveAnswerer.score` splits the same)."""
    return [s for s, _ in split_sentences(text)]


def precompute_sentences(
    store: VectorStore,
    collection: str,
    embedder: Embedder,
    folder: Path,
    *,
    batch: int = 512,
    checkpoint_s: float = 300.0,
) -> SentenceVectorsReport:
    """Embed every candidate sentence of `collection`'s chunks as a passage and publish them under `folder`.

    Vectors of the previous generation are reused (an incremental run embeds only new sentences); sentences
    of chunks no longer in the version drop out; nothing is written when the set is unchanged. A long build
    (a large first index) publishes what it has every `checkpoint_s`: the service uses it at once, and a run
    killed half-way resumes from it. The chunks' hubness (the retrieval's votes read it) is stored with them
    and recomputed whenever the chunks change."""
    t0 = time.perf_counter()
    report = SentenceVectorsReport(collection=collection)
    texts: dict[bytes, str] = {}
    chunk_ids: list[str] = []
    chunk_vecs: list[np.ndarray] = []
    chunk_docs: list[str] = []
    for point_id, payload, dense in store.scroll_dense(collection, ["text", "doc_id", "url"]):
        report.chunks += 1
        for s in candidate_sentences(str(payload.get("text") or "")):
            texts.setdefault(_key(s), s)
        if dense is not None:
            chunk_ids.append(point_id)
            chunk_vecs.append(dense)
            chunk_docs.append(str(payload.get("doc_id") or payload.get("url") or point_id))
    priors = _priors(chunk_ids, chunk_vecs, chunk_docs)
    keys = list(texts)
    report.sentences = len(keys)
    embedder.start()
    previous = SentenceStore.open(folder)
    if previous is not None and previous.info.model != embedder.name:
        previous = None  # another model's vectors: embed everything again
    dim = embedder.dim or (previous.info.dim if previous is not None else 0)
    if previous is not None:
        found, rows = previous.lookup(keys, np.float16)
        if (
            found.all()
            and len(previous) == len(keys)
            and previous.info.split == SPLIT_VERSION
            and _same_priors(previous, priors)
        ):
            report.reused = len(keys)
            report.seconds = round(time.perf_counter() - t0, 3)
            return report
    else:
        found, rows = np.zeros(len(keys), dtype=bool), np.zeros((len(keys), dim), dtype=np.float16)
    report.reused = int(found.sum())
    todo = sorted(np.flatnonzero(~found).tolist(), key=lambda i: len(texts[keys[i]]))  # like with like
    t1 = checkpoint = time.perf_counter()
    for start in range(0, len(todo), batch):
        part = todo[start : start + batch]
        vecs = embedder.embed_passages([texts[keys[i]] for i in part])
        for i, v in zip(part, vecs, strict=True):
            rows[i] = _unit(v)
            found[i] = True
        report.embedded += len(part)
        log.info("sentence vectors of %s: %d of %d embedded", collection, report.embedded, len(todo))
        if report.embedded < len(todo) and time.perf_counter() - checkpoint >= checkpoint_s:
            done = np.flatnonzero(found)
            # a part: recorded without the split's version, so that the next run completes it
            write_store(
                folder, [keys[i] for i in done.tolist()], rows[done], model=embedder.name, priors=priors
            )
            checkpoint = time.perf_counter()
    report.embed_seconds = round(time.perf_counter() - t1, 3)
    info = write_store(folder, keys, rows, model=embedder.name, priors=priors, split=SPLIT_VERSION)
    report.written = True
    report.bytes = info.count * (16 + 2 * info.dim) + info.priors * PRIOR_DTYPE.itemsize
    report.seconds = round(time.perf_counter() - t0, 3)
    log.info(
        "sentence vectors of %s: %d sentences (%d reused, %d embedded) in %.1f s",
        collection,
        report.sentences,
        report.reused,
        report.embedded,
        report.seconds,
    )
    return report


def _priors(ids: list[str], vectors: list[np.ndarray], docs: list[str]) -> dict[bytes, float]:
    """Each chunk's hubness (`auskunft.index.hubness`) under its chunk key."""
    if not ids:
        return {}
    values = hubness(np.stack(vectors), docs)
    return {chunk_key(i): float(v) for i, v in zip(ids, values.tolist(), strict=True)}


def _same_priors(store: SentenceStore, new: dict[bytes, float]) -> bool:
    """The store holds exactly these chunks' hubness (within 1e-4)."""
    if store.info.priors != len(new):
        return False
    found, values = store.priors(list(new))
    return bool(found.all()) and bool((np.abs(values - np.asarray(list(new.values()))) < 1e-4).all())
