"""Answers without an LLM: the best-matching sentences quoted with citations, clearly labelled.

Every sentence of the retrieved passages is a candidate. Two signals rank them:
- meaning: cosine of the sentence (embedded as a passage) and the question (as a query) with the retrieval
  embedder (`SentenceVectors`), so "Ab welchem Betrag ..." finds "Kreditbetrag: ab 500 EUR";
- keywords: weighted stem overlap with the question (`KeywordScorer`; nouns and names weigh double).

The answer says "not in the documents" when the best sentence's meaning score is below `threshold`, or,
unless the best match is strong enough (`strong_threshold`) to count as a paraphrase, when a key term of the
question (a noun or name) is in no retrieved passage or the quoted sentences hold fewer than
`min_term_coverage` of the key terms. The thresholds are calibrated on the QA sets
(datasets/qa/*.jsonl) with `eval/extractive_calibration.py`; re-run it after changing the embedding model.

Without an embedder (tests, or a caller that has none) the keyword signal alone ranks sentences and a
missing key term or no shared word means "not in the documents".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

import numpy as np

from auskunft.chat.extractive.keywords import (
    KeywordScorer,
    default_encoder,
    key_terms,
    missing_key_terms,
    terms_in,
)
from auskunft.chat.extractive.semantic import SentenceVectors
from auskunft.chat.extractive.sentences import sentences
from auskunft.chat.prompts import EXTRACTIVE_LABEL, NOT_FOUND, OTHER_LANGUAGE_HINT
from auskunft.index.embeddings import Embedder
from auskunft.index.sparse import Bm25Encoder
from auskunft.models import RetrievedChunk

log = logging.getLogger(__name__)

Answer = tuple[str, list[int], bool]  # (markdown, source numbers cited, found)


@dataclass(frozen=True)
class ExtractiveParams:
    """Calibrated on demo-site, ackersyndikat and messy-site (156 questions, 23 unanswerable) with
    multilingual-e5-small (onnx backend); `eval/extractive_calibration.py --calibrate` prints the sweep."""

    threshold: float = 0.80  # best sentence's cosine below this: not in the documents
    strong_threshold: float = 0.90  # a missing key term refuses only below this (else it is a paraphrase)
    keyword_weight: float = 0.05  # ranking: cosine + keyword_weight * keyword overlap (0..1)
    margin: float = 0.06  # quote sentences within this of the best ranking score (no filler)
    rank_weight: float = 0.01  # ranking: + rank_weight / retrieval rank of the passage
    short_penalty: float = 0.01  # ranking: - this per word below 6 (headings, fragments; not table rows)
    min_term_coverage: float = 0.67  # share of the question's key terms the quoted sentences must contain
    max_sentences: int = 3
    max_embed: int = 16  # sentences embedded per answer (cold cache cost), best keyword/rank first


@dataclass
class Candidate:
    text: str
    row: bool  # a table row (quoted with its column names)
    n: int  # the source number (retrieval rank, 1-based)
    pos: int  # position in its passage
    keyword: float  # KeywordScorer.score, 0..1
    meaning: float | None = None  # cosine with the question; None when not embedded
    terms: set[str] = field(default_factory=set)  # key terms of the question it contains


@dataclass
class Scored:
    """What the answer is chosen from; `compose` turns it into the answer for given parameters."""

    candidates: list[Candidate]
    missing: list[str] = field(default_factory=list)  # key terms of the question in no passage
    key_terms: list[str] = field(default_factory=list)
    doc_languages: set[str] = field(default_factory=set)

    @property
    def best_meaning(self) -> float | None:
        scores = [c.meaning for c in self.candidates if c.meaning is not None]
        return max(scores) if scores else None


def _rank(c: Candidate, p: ExtractiveParams) -> float:
    short = 0 if c.row else max(0, 6 - len(c.text.split()))
    return (c.meaning or 0.0) + p.keyword_weight * c.keyword + p.rank_weight / c.n - p.short_penalty * short


def _format(best: list[Candidate], language: str) -> Answer:
    best = sorted(best, key=lambda c: (c.n, c.pos))
    lines = [EXTRACTIVE_LABEL[language], ""]
    cited: list[int] = []
    for c in best:
        lines.append(f"> {c.text} [{c.n}]")
        lines.append("")
        if c.n not in cited:
            cited.append(c.n)
    return "\n".join(lines).strip(), cited, True


def _not_found(scored: Scored, language: str) -> Answer:
    shared = any(c.keyword > 0 for c in scored.candidates)
    if not shared and scored.doc_languages and language not in scored.doc_languages:
        return f"{NOT_FOUND[language]} {OTHER_LANGUAGE_HINT[language]}", [], False  # e.g. English asked
    return NOT_FOUND[language], [], False


class ExtractiveAnswerer:
    """`answerer(question, hits, language) -> (answer markdown, cited source numbers, found)`.

    `embedder`: the retrieval embedder (None: keywords only). Thread-safe; `start()` loads the model.
    """

    def __init__(
        self,
        embedder: Embedder | None = None,
        params: ExtractiveParams | None = None,
        *,
        encoder: Bm25Encoder | None = None,
    ) -> None:
        self.params = params or ExtractiveParams()
        self.encoder = encoder or default_encoder()
        self.vectors = SentenceVectors(embedder) if embedder is not None else None

    def start(self) -> None:
        if self.vectors is not None:
            self.vectors.embedder.start()

    def __call__(
        self, question: str, hits: list[RetrievedChunk], language: str, *, max_sentences: int | None = None
    ) -> Answer:
        params = self.params if max_sentences is None else replace(self.params, max_sentences=max_sentences)
        return self.compose(self.score(question, hits, params), language, params)

    # --------------------------------------------------------------------------------- scoring
    def score(
        self, question: str, hits: list[RetrievedChunk], params: ExtractiveParams | None = None
    ) -> Scored:
        p = params or self.params
        kw = KeywordScorer(question, self.encoder)
        question_terms = key_terms(question)
        candidates: list[Candidate] = []
        seen: set[str] = set()
        for n, hit in enumerate(hits, start=1):
            for pos, (text, row) in enumerate(sentences(hit.chunk.text)):
                if text not in seen:
                    seen.add(text)
                    terms = terms_in(question_terms, text, self.encoder)
                    candidates.append(Candidate(text, row, n, pos, kw.score(text, row), terms=terms))
        scored = Scored(
            candidates=candidates,
            missing=missing_key_terms(question, hits, self.encoder) if hits else [],
            doc_languages={h.chunk.language for h in hits if h.chunk.language},
            key_terms=question_terms,
        )
        if self.vectors is not None and candidates:
            # the cold-cache cost is one passage embedding per sentence: embed the likeliest first
            chosen = sorted(candidates, key=lambda c: -(c.keyword + 0.15 / c.n))[: p.max_embed]
            sims = self.vectors.sentences([c.text for c in chosen]) @ self.vectors.query(question)
            for c, s in zip(chosen, np.asarray(sims).tolist(), strict=True):
                c.meaning = float(s)
        return scored

    # --------------------------------------------------------------------------------- the answer
    def compose(self, scored: Scored, language: str, params: ExtractiveParams | None = None) -> Answer:
        p = params or self.params
        best_meaning = scored.best_meaning
        if best_meaning is None:  # keywords only
            return self._compose_keywords(scored, language, p)
        # key terms are words of the documents' language: asked in another language they cannot match
        same_language = not scored.doc_languages or language in scored.doc_languages
        if best_meaning < p.threshold or (
            scored.missing and same_language and best_meaning < p.strong_threshold
        ):
            return _not_found(scored, language)
        ranked = sorted((c for c in scored.candidates if c.meaning is not None), key=lambda c: -_rank(c, p))
        top = _rank(ranked[0], p)
        best = [c for c in ranked[: p.max_sentences] if _rank(c, p) >= top - p.margin]
        if same_language and scored.key_terms and best_meaning < p.strong_threshold:
            # what is quoted must be about the question's nouns, not merely near them in meaning
            covered = set().union(*(c.terms for c in best))
            if len(covered) < p.min_term_coverage * len(scored.key_terms):
                return _not_found(scored, language)
        return _format(best, language)

    @staticmethod
    def _compose_keywords(scored: Scored, language: str, p: ExtractiveParams) -> Answer:
        if scored.missing:
            return NOT_FOUND[language], [], False
        matching = [c for c in scored.candidates if c.keyword > 0]
        if not matching:
            return _not_found(scored, language)
        ranked = sorted(matching, key=lambda c: -(c.keyword + 0.05 / c.n))[: p.max_sentences]
        top = ranked[0].keyword + 0.05 / ranked[0].n
        return _format([c for c in ranked if c.keyword + 0.05 / c.n >= 0.6 * top], language)


_KEYWORDS_ONLY: ExtractiveAnswerer | None = None


def extractive_answer(
    question: str,
    hits: list[RetrievedChunk],
    language: str,
    *,
    max_sentences: int = 3,
    encoder: Bm25Encoder | None = None,
) -> Answer:
    """The keyword-only answer (no embedder); the service uses an `ExtractiveAnswerer` with one."""
    global _KEYWORDS_ONLY
    if encoder is not None:
        return ExtractiveAnswerer(encoder=encoder)(question, hits, language, max_sentences=max_sentences)
    if _KEYWORDS_ONLY is None:
        _KEYWORDS_ONLY = ExtractiveAnswerer()
    return _KEYWORDS_ONLY(question, hits, language, max_sentences=max_sentences)
