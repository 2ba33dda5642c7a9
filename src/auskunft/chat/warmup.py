"""The per-passage text analyses an answer needs, made for the live index's passages before visitors ask.

An answer pays for each retrieved passage new to the process: its sentence split (`extractive.sentences`),
its term analysis (`text.german.text_terms` of the passage with its title and headings, of the title with
headings alone, of each sentence), its word 3-grams (`retrieval.refine`) and its sentences' stems
(`extractive.keywords.sentence_stems`, whose per-word stem caches hold a whole site's vocabulary). All are
pure functions of the passage's text, kept in bounded LRUs, so a service that has run a while answers from
them; a fresh one (or one that just switched to a new index generation) pays them question after question
(session 14: 27.7 ms of CPU per never-seen question, 15-16 ms repeated).

`PassageWarmup` fills those caches from the store in a daemon thread at the lowest scheduling priority, in
small batches with a yield between them and a pause while the admission gate has answers in flight, never
more passages than a cache holds (non-listing pages first, in the store's order), and stops on `close()`.
`renew()` walks the live index again (the engine calls it when it notices a new generation or revision).
After each walk the process's objects are frozen out of the cycle collector's full passes (`heap.settle`).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from auskunft.chat import heap
from auskunft.chat.extractive import keywords
from auskunft.chat.extractive.keywords import passage_text
from auskunft.chat.extractive.sentences import SPLITS, sentences
from auskunft.index.sparse import Bm25Encoder
from auskunft.models import Chunk, RetrievedChunk
from auskunft.retrieval import refine
from auskunft.retrieval.search import chunk_from_payload
from auskunft.text import german

log = logging.getLogger(__name__)
# the payload fields a Chunk is made of (the point id is its chunk_id)
FIELDS = [f for f in Chunk.model_fields if f != "chunk_id"]


def budgets() -> tuple[int, int, int, int]:
    """Passages to analyse per cache (split, terms, 3-grams) and sentences to stem: each cache's own size; the
    term cache also holds the passages' headings and the sentences answers analyse, so the passages take a
    quarter of it; the sentence stems (and those sentences' terms) take half of theirs (the other half:
    sentences of passages beyond it, as answers meet them)."""
    return (
        SPLITS.maxsize,
        german._TEXT_TERMS.maxsize // 4,
        refine._SHINGLES.maxsize,
        keywords._STEMS.maxsize // 2,
    )


def analyse(
    chunk: Chunk,
    *,
    split: bool = True,
    terms: bool = True,
    grams: bool = True,
    encoder: Bm25Encoder | None = None,
    stems: int = 0,
) -> int:
    """What an answer computes for `chunk` as a retrieved passage, through the same caches; with `encoder`
    the stems of its words (per-word caches) and of up to `stems` of its sentences. Returns the sentences
    stemmed."""
    split_text = sentences(chunk.text) if split or stems else []
    if terms:
        german.text_terms(passage_text(RetrievedChunk(chunk=chunk, score=0.0, rank=0)))
        german.text_terms("\n".join([chunk.title, *chunk.heading_path]))  # read with each of its sentences
    if grams:
        refine._shingles(chunk.text)
    if encoder is None:
        return 0
    if not stems:
        encoder.tokens(chunk.text)  # the words' stems only
        return 0
    for text, _row in split_text[:stems]:
        keywords.sentence_stems(text, encoder)
        german.text_terms(text)  # its key-term look-ups (`keywords.coverage_joined`)
    return min(stems, len(split_text))


def live_chunks(store: Any, collection: str, limit: int, stop: threading.Event | None = None) -> list[Chunk]:
    """Up to `limit` chunks of `collection`, those of non-listing pages first (visitors ask about content,
    archives rank below it), each group in the store's order; reading stops at `limit` non-listing ones."""
    first: list[Chunk] = []
    listing: list[Chunk] = []
    for point_id, payload in store.scroll(collection, None, FIELDS):
        if stop is not None and stop.is_set():
            break
        try:
            chunk = chunk_from_payload(point_id, payload)
        except ValidationError:
            continue
        if not chunk.is_listing:
            first.append(chunk)
            if len(first) >= limit:
                break
        elif len(listing) < limit:
            listing.append(chunk)
    return (first + listing)[:limit]


def searcher_of(retriever: object) -> tuple[Any, str] | None:
    """The store and collection a retriever searches (through wrappers such as the reranker's `inner`)."""
    for _ in range(4):
        store, collection = getattr(retriever, "store", None), getattr(retriever, "collection", None)
        if store is not None and isinstance(collection, str) and hasattr(store, "scroll"):
            return store, collection
        retriever = getattr(retriever, "inner", None)
        if retriever is None:
            break
    return None


class PassageWarmup:
    """Warms the per-passage caches from `store`'s `collection` in a daemon thread: `start()` once, `renew()`
    after the live index changed, `close()` to stop (joins the thread). `busy()` true: answers are in flight,
    the warm-up waits. `warmed` counts the passages analysed in the last walk; `idle` is set between walks."""

    def __init__(
        self,
        store: Any,
        collection: str,
        *,
        batch: int = 8,
        busy: Callable[[], bool] | None = None,
        pause_s: float = 0.005,
        encoder: Bm25Encoder | None = None,
        settle_heap: bool = True,
    ) -> None:
        self.store = store
        # after each walk, freeze the process's objects out of the full collections (`auskunft.chat.heap`)
        self.settle_heap = settle_heap
        self.encoder = encoder  # the extractive answer's (its stems); None: no stems
        self.collection = collection
        self.batch = max(1, batch)
        self.busy = busy or (lambda: False)
        self.pause_s = pause_s
        self.warmed = 0
        self.walks = 0
        self.idle = threading.Event()
        self._due = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Warm now (in the background); safe to call twice."""
        self.renew()

    def renew(self) -> None:
        """Walk the live index again (a new generation: its new passages are analysed, known ones cost a
        cache look-up)."""
        if self._stop.is_set():
            return
        self.idle.clear()
        self._due.set()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="auskunft-warmup", daemon=True)
            self._thread.start()

    def close(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        self._due.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout_s)
        if self.settle_heap and self.walks:
            heap.release()
        self.idle.set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        try:  # this thread only (Linux: a thread id is a process id for setpriority)
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        except (AttributeError, OSError):
            pass
        while not self._stop.is_set():
            self._due.wait()
            if self._stop.is_set():
                break
            self._due.clear()
            try:
                self._walk()
                if self.settle_heap and not self._stop.is_set():
                    # what the walk loaded lives as long as the process: out of the full collections
                    heap.settle()
            except Exception as exc:  # noqa: BLE001 - a warm-up failure costs speed, never an answer
                log.warning("passage warm-up stopped: %s: %s", type(exc).__name__, exc)
            if not self._due.is_set():
                self.idle.set()

    def _walk(self) -> None:
        t0, cpu0 = time.monotonic(), time.thread_time()
        split, terms, grams, stems = budgets()
        chunks = live_chunks(self.store, self.collection, max(split, terms, grams), self._stop)
        self.walks += 1
        self.warmed = 0
        for start in range(0, len(chunks), self.batch):
            while self.busy() and not self._stop.is_set():
                self._stop.wait(self.pause_s)  # answers first
            if self._stop.is_set() or self._due.is_set():  # closing, or a newer index to walk
                return
            for i, chunk in enumerate(chunks[start : start + self.batch], start=start):
                stems -= analyse(
                    chunk,
                    split=i < split,
                    terms=i < terms,
                    grams=i < grams,
                    encoder=self.encoder,
                    stems=max(0, stems),
                )
                self.warmed += 1
            time.sleep(0)  # let an answer's thread take the interpreter
        log.info(
            "passage warm-up: %d passages of %s in %.1f s (%.1f s CPU)",
            self.warmed,
            self.collection,
            time.monotonic() - t0,
            time.thread_time() - cpu0,
        )
