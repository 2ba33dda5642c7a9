"""A second look at the fused candidates: three more votes on their order, from what the index already holds.

Fusion (dense + BM25, RRF) ranks whole passages by their average meaning and their words. On the real-site
corpus the passage that answers was often in the first 20 but not first (held-out hit@10 0.82-1.0 against
hit@1 0.40-0.78). Three signals, each chosen leave-one-site-out (docs/quality.md), move it up:

- **sentence**: the best cosine of the question with one sentence of the passage (the sentence vectors the
  index step stores for the offline answer, `auskunft.index.sentence_store`): a passage that answers in one
  sentence among others scores by that sentence, not by its average;
- **hubness-corrected cosine**: the passage's cosine with the question minus its hubness, the mean cosine to
  its nearest passages of other documents (`auskunft.index.hubness`, CSLS): a passage that is close to
  everything (an archive page of teasers, a letterhead) no longer tops every short question;
- **year**: a question that names a year ("die Sommerakademie 2019") prefers passages whose URL, title, date or
  text carry it;
- **series**: a question that names no year asks about the present: an edition of a document series with a
  later edition among the candidates (the 2019 minutes beside the 2024 minutes, `auskunft.retrieval.series`)
  keeps 1 / (1 + `superseded`) of its score.

Each of the first two ranks the candidates; a candidate's score is its fused position's RRF share plus each
vote's weighted share, 1 / (rank + k), times (1 + `year_boost`) when it carries a year the question names,
divided by (1 + `superseded`) when a later edition of its series is among the candidates and the question names
no year.
Without a store (a version indexed before stores were written, until its next run) the fused order stands; a
passage whose sentences the store lacks votes with its own cosine, one without a hubness value with the plain
cosine. Cost: one store lookup and one small matrix product per search.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from auskunft.index.sentence_store import SentenceStore, chunk_key, sentence_key
from auskunft.models import RetrievedChunk
from auskunft.retrieval.series import YEAR, superseded
from auskunft.text.cache import Lru

_YEAR = re.compile(rf"(?<!\d)({YEAR})(?!\d)")
# a passage's sentence vectors as one store generation holds them, by the passage's text (its split, the
# sentences' keys and their rows are a pure function of text and store): the same candidates come back search
# after search (~0.3 ms of a search's votes over 20 candidates); float16 as stored, ~8 kB a passage
PASSAGE_ROWS = 2048


@dataclass(frozen=True)
class VoteParams:
    """Weights of the votes (chosen leave-one-site-out on the real-site corpus, docs/quality.md)."""

    candidates: int = 20  # the first this many fused candidates are reordered
    k: int = 2  # RRF constant of every vote (the fusion's own)
    sentence: float = 1.0  # weight of the best-sentence vote
    hub: float = 0.5  # weight of the hubness-corrected cosine vote
    hub_scale: float = 1.0  # how much of the hubness is subtracted
    year_boost: float = 1.0  # a candidate carrying a year the question names: score x (1 + this)
    superseded: float = 1.0  # an older edition of a series, question naming no year: score / (1 + this)


def question_years(question: str) -> set[str]:
    return set(_YEAR.findall(question))


def carries_year(hit: RetrievedChunk, years: set[str]) -> bool:
    """The passage names one of `years` in its URL, title, date or opening text; a file name may abbreviate
    it ("soak19_anmeldung.pdf")."""
    c = hit.chunk
    blob = " ".join((c.url, c.title, c.date.isoformat() if c.date else "", c.text[:300]))
    name = c.url.rstrip("/").rsplit("/", 1)[-1]
    return any(
        re.search(rf"(?<!\d){y}(?!\d)", blob) or re.search(rf"(?<!\d){y[2:]}(?!\d)", name) for y in years
    )


def _rrf(values: np.ndarray, k: int) -> np.ndarray:
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = np.arange(len(values))
    return 1.0 / (ranks + k)


class CandidateVotes:
    """Reorders fused candidates by the votes; `store()` gives the searched version's sentence store (or
    None), looked up per search so a newly published generation is used at once; `split(text)` gives a
    passage's sentences as the store's writer split them (`auskunft.chat.extractive.semantic`)."""

    def __init__(
        self,
        store: Callable[[], SentenceStore | None],
        split: Callable[[str], list[str]],
        params: VoteParams | None = None,
    ) -> None:
        self.store = store
        self.split = split
        self.params = params or VoteParams()
        self._rows: tuple[SentenceStore | None, Lru[str, np.ndarray]] = (None, Lru(PASSAGE_ROWS))
        self._rows_lock = threading.Lock()

    def _passage_rows(self, store: SentenceStore) -> Lru[str, np.ndarray]:
        """The passages' rows of `store` (a new generation starts empty)."""
        with self._rows_lock:
            held, rows = self._rows
            if held is not store:
                rows = Lru(PASSAGE_ROWS)
                self._rows = (store, rows)
            return rows

    def reorder(
        self, question: str, qvec: list[float] | np.ndarray, hits: list[RetrievedChunk]
    ) -> list[RetrievedChunk]:
        p = self.params
        head, tail = hits[: p.candidates], hits[p.candidates :]
        if len(head) < 2:
            return hits
        store = self.store()
        if store is None:  # a version indexed before its store was written: the fused order stands
            return hits
        q = np.asarray(qvec, dtype=np.float32)
        norm = float(np.linalg.norm(q))
        q = q / norm if norm else q
        own = np.array([h.dense_score if h.dense_score is not None else 0.0 for h in head])
        score = 1.0 / (np.arange(len(head)) + p.k)
        if p.sentence:
            score += p.sentence * _rrf(self._best_sentence(store, q, head, own), p.k)
        if p.hub:
            found, values = store.priors([chunk_key(h.chunk.chunk_id) for h in head])
            hub = np.where(found, values, 0.0)
            score += p.hub * _rrf(own - p.hub_scale * hub, p.k)
        years = question_years(question) if p.year_boost or p.superseded else set()
        if years and p.year_boost:
            score *= np.array([1.0 + p.year_boost if carries_year(h, years) else 1.0 for h in head])
        elif p.superseded and not years:
            # a later edition anywhere among the fused candidates counts (not only the reordered head)
            older = superseded([h.chunk.url for h in hits])[: len(head)]
            score /= np.where(older, 1.0 + p.superseded, 1.0)
        order = np.argsort(-score, kind="stable")
        out = [head[i] for i in order.tolist()] + tail
        for n, h in enumerate(out, 1):
            h.rank = n
        return out

    def _best_sentence(
        self, store: SentenceStore, q: np.ndarray, head: list[RetrievedChunk], own: np.ndarray
    ) -> np.ndarray:
        """Each candidate's best sentence cosine (its own cosine where the store lacks its sentences)."""
        best = own.astype(np.float64)
        cache = self._passage_rows(store)

        def found_rows(text: str) -> np.ndarray:
            """The rows (float16, as stored) of the passage's sentences the store holds, in sentence order."""
            keys = [sentence_key(s) for s in self.split(text)]
            if not keys:
                return np.zeros((0, store.info.dim), dtype=np.float16)
            found, rows = store.lookup(keys, dtype=np.float16)
            return rows[found]

        parts = [cache.get(h.chunk.text, found_rows) for h in head]
        counts = [len(p) for p in parts]
        if not sum(counts):
            return best
        # one matrix as before (the found rows in candidate and sentence order, float32): the same products
        sims = np.concatenate(parts).astype(np.float32) @ q
        who = np.repeat(np.arange(len(head)), counts)
        top = np.full(len(head), -np.inf)
        np.maximum.at(top, who, sims)
        return np.where(np.isfinite(top), top, best)
