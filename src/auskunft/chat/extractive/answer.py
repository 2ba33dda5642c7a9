"""Answers without an LLM: the best-matching sentences quoted with citations, clearly labelled.

`scoring.py` ranks the sentences of the retrieved passages (by meaning and keywords) and decides whether they
answer the question; this module words the result. Three outcomes (`Answer.outcome`):
- "answer": the quoted sentences answer the question (`scoring.choose`): quoted in passage order under
  `EXTRACTIVE_LABEL`, with citations;
- "closest": retrieval found something close but no sentence passes those checks: the best sentence of
  each of the closest passages, labelled as possibly relevant, with citations (`CLOSEST_LABEL`);
- "none": nothing is close: the not-found phrase (with a hint when the question's language is not the
  documents' and no word is shared).

Every threshold is a field of `ExtractiveParams` (scoring.py).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from auskunft.chat.extractive.keywords import default_encoder
from auskunft.chat.extractive.scoring import Candidate, ExtractiveParams, Scored, choose, score_candidates
from auskunft.chat.extractive.semantic import SentenceVectors
from auskunft.chat.prompts import EXTRACTIVE_LABEL, NOT_FOUND, OTHER_LANGUAGE_HINT
from auskunft.index.embeddings import Embedder
from auskunft.index.sparse import Bm25Encoder
from auskunft.models import RetrievedChunk

log = logging.getLogger(__name__)

CLOSEST_LABEL = {
    "de": "Eine sichere Antwort habe ich nicht gefunden; diese Stellen kommen der Frage am nächsten:",
    "en": "I found no certain answer; these passages come closest to the question:",
}
Outcome = str  # "answer" | "closest" | "none"
OUTCOMES = ("answer", "closest", "none")


class Answer(tuple):  # type: ignore[type-arg]
    """(markdown, source numbers cited, found) with `.outcome`: "answer", "closest" or "none".

    Unpacks as the three-tuple callers know (`text, cited, found = answer`); `found` is True for a
    confident answer only; a "closest" answer cites its passages but is not counted as answered."""

    outcome: Outcome

    def __new__(cls, text: str, cited: list[int], outcome: Outcome) -> Answer:
        self = super().__new__(cls, (text, cited, outcome == "answer"))
        self.outcome = outcome
        return self

    @property
    def text(self) -> str:
        return str(self[0])

    @property
    def cited(self) -> list[int]:
        return list(self[1])

    @property
    def found(self) -> bool:
        return bool(self[2])


def _format(best: list[Candidate], language: str, outcome: Outcome) -> Answer:
    if outcome == "answer":
        best = sorted(best, key=lambda c: (c.n, c.pos))
    label = EXTRACTIVE_LABEL[language] if outcome == "answer" else CLOSEST_LABEL[language]
    lines = [label, ""]
    cited: list[int] = []
    for c in best:
        lines.append(f"> {c.text} [{c.n}]")
        lines.append("")
        if c.n not in cited:
            cited.append(c.n)
    return Answer("\n".join(lines).strip(), cited, outcome)


def _not_found(scored: Scored, language: str) -> Answer:
    shared = any(c.keyword > 0 for c in scored.candidates)
    if not shared and scored.doc_languages and language not in scored.doc_languages:
        return Answer(f"{NOT_FOUND[language]} {OTHER_LANGUAGE_HINT[language]}", [], "none")  # e.g. English
    return Answer(NOT_FOUND[language], [], "none")


class ExtractiveAnswerer:
    """`answerer(question, hits, language) -> Answer` (text, cited source numbers, found; `.outcome`).

    `embedder`: the retrieval embedder (None: keywords only). Thread-safe; `start()` loads the model and
    the German language resources.
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
        from auskunft.text import german_lexicon

        german_lexicon.start()
        if self.vectors is not None:
            self.vectors.embedder.start()

    def __call__(
        self, question: str, hits: list[RetrievedChunk], language: str, *, max_sentences: int | None = None
    ) -> Answer:
        params = self.params if max_sentences is None else replace(self.params, max_sentences=max_sentences)
        return self.compose(self.score(question, hits, params), language, params)

    def score(
        self, question: str, hits: list[RetrievedChunk], params: ExtractiveParams | None = None
    ) -> Scored:
        """The candidate sentences of `hits` (`scoring.score_candidates`); `compose` answers from them."""
        return score_candidates(question, hits, params or self.params, self.encoder, self.vectors)

    def compose(self, scored: Scored, language: str, params: ExtractiveParams | None = None) -> Answer:
        """The answer for `params`: the outcome and quotes `scoring.choose` picks, worded."""
        outcome, quoted = choose(scored, language, params or self.params, self.encoder)
        if outcome == "none":
            return _not_found(scored, language)
        return _format(quoted, language, outcome)


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
