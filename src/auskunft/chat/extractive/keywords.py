"""The keyword signal of the extractive answer: the question's key terms, German compound heads, and the
weighted term overlap of a sentence with the question (stems from the BM25 tokeniser)."""

from __future__ import annotations

import os
import re

from auskunft.index.sparse import STOPWORDS, Bm25Encoder
from auskunft.models import RetrievedChunk

_WORD = re.compile(r"[^\W\d_][\w-]*")
_ENCODER: Bm25Encoder | None = None


def default_encoder() -> Bm25Encoder:
    global _ENCODER
    if _ENCODER is None:
        _ENCODER = Bm25Encoder()
    return _ENCODER


def key_terms(question: str) -> list[str]:
    """Capitalised words after the first (German nouns, names, acronyms) of at least 3 letters; in a question
    typed all in lower case, its words of six letters or more that are not stopwords stand in for them."""
    words = _WORD.findall(question)
    if any(w[0].isupper() for w in words[1:]):
        return [w for w in words[1:] if w[0].isupper() and len(w) >= 3]
    return [w for w in words if len(w) >= 6 and w.lower() not in STOPWORDS]


def shares_head(a: str, b: str) -> bool:
    """Same word or German compounds with the same head (lower-case words or stems).

    One ends with the other (at least five letters: "mitgliedsbeitrag" / "beitrag"), or both end in the same
    seven letters or more ("mitgliedsbeitrag" / "jahresbeitrag": "sbeitrag").
    """
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 5 and long_.endswith(short):
        return True
    return len(os.path.commonprefix([a[::-1], b[::-1]])) >= 7


def missing_key_terms(
    question: str, hits: list[RetrievedChunk], encoder: Bm25Encoder | None = None
) -> list[str]:
    """Key terms of the question that no retrieved passage contains.

    A term counts as present when its stems are among the passages' stems or when it shares its head with
    a passage word (`shares_head`: "Mitgliedsbeitrag" asked, "Jahresbeitrag" written). A question whose
    main noun appears nowhere in what was retrieved ("Wie hoch ist das Gehalt der Präsidentin?") is not
    answered from passages that merely share its other words.
    """
    enc = encoder or default_encoder()
    stems: set[str] = set()
    words: set[str] = set()
    for h in hits:
        stems.update(enc.tokens(h.chunk.text))
        words.update(w.lower() for part in _WORD.findall(h.chunk.text) for w in part.split("-") if w)
    missing = []
    for term in key_terms(question):
        term_stems = enc.tokens(term)
        if term_stems and all(t in stems for t in term_stems):
            continue
        low = term.lower()
        if any(shares_head(low, w) for w in words):
            continue
        missing.append(term)
    return missing


def terms_in(terms: list[str], text: str, encoder: Bm25Encoder | None = None) -> set[str]:
    """The terms (key terms of a question) that `text` contains: by stems or a shared compound head."""
    if not terms:
        return set()
    enc = encoder or default_encoder()
    stems = set(enc.tokens(text))
    words = {w.lower() for part in _WORD.findall(text) for w in part.split("-") if w}
    found = set()
    for term in terms:
        term_stems = enc.tokens(term)
        if (term_stems and all(t in stems for t in term_stems)) or any(
            shares_head(term.lower(), w) for w in words
        ):
            found.add(term)
    return found


class KeywordScorer:
    """Weighted overlap of a sentence's stems with the question's, in 0..1: key terms (nouns, names) weigh
    double, a shared compound head counts 0.8, and headline fragments (fewer than 8 words; not table rows,
    short by nature and often the answer) are damped."""

    def __init__(self, question: str, encoder: Bm25Encoder | None = None) -> None:
        self.encoder = encoder or default_encoder()
        key = {t for term in key_terms(question) for t in self.encoder.tokens(term)}
        self.weights = {t: 2.0 if t in key else 1.0 for t in self.encoder.tokens(question)}
        self.total = sum(self.weights.values()) or 1.0

    def score(self, sentence: str, row: bool = False) -> float:
        toks = set(self.encoder.tokens(sentence))
        overlap = 0.0
        for t, w in self.weights.items():
            if t in toks:
                overlap += w
            elif any(shares_head(t, s) for s in toks):
                overlap += 0.8 * w
        fullness = 1.0 if row else min(1.0, len(sentence.split()) / 8)
        return overlap / self.total * fullness
