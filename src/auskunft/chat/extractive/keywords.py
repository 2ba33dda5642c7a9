"""The keyword signal of the extractive answer: the question's key terms (German nouns, names and unknown
words, weighted by rarity: `auskunft.text.german`), what a sentence or passage holds of them, and the
weighted term overlap of a sentence with the question (stems from the BM25 tokeniser).

What is analysed of a retrieved sentence or passage (its `TextTerms`, its stems) depends on its text alone
and is kept in bounded LRUs (`german.text_terms`, `sentence_stems`): the same sentences come back question
after question, and their analysis was most of an offline answer's cost once their vectors were precomputed
(docs/benchmarks-serving.md "Sentence vectors at index time")."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from auskunft.chat.extractive.sentences import SPLITS
from auskunft.index.sparse import Bm25Encoder
from auskunft.models import RetrievedChunk
from auskunft.text import german
from auskunft.text.cache import Lru
from auskunft.text.german import COMMON_ZIPF, Term, TextTerms, coverage_in, text_terms

_ENCODER: Bm25Encoder | None = None
SENTENCE_CACHE = 8192  # sentences whose stems `sentence_stems` keeps (~3 kB each, 24 MB); 0 keeps none
_MIN_TAIL = 5  # shares_head: one word ends with the other, this long at least
_SAME_TAIL = 7  # shares_head: both end in this many letters


def default_encoder() -> Bm25Encoder:
    global _ENCODER
    if _ENCODER is None:
        _ENCODER = Bm25Encoder()
    return _ENCODER


def question_terms(question: str, common_zipf: float = COMMON_ZIPF) -> list[Term]:
    """The question's content terms with weights (`german.key_terms`): everyday words are none."""
    return list(german.key_terms(question, common_zipf))


def key_terms(question: str, common_zipf: float = COMMON_ZIPF) -> list[str]:
    """The question's key terms as written (nouns, names, unknown words that are not everyday German)."""
    return [t.text for t in question_terms(question, common_zipf)]


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


def coverage(terms: list[Term], text: str | TextTerms) -> dict[str, float]:
    """How far `text` holds each term (`TextTerms.coverage`: lemma, compound parts both ways, abbreviations)."""
    if not terms:
        return {}
    found = text if isinstance(text, TextTerms) else text_terms(text)
    return {t.text: found.coverage(t) for t in terms}


def coverage_joined(terms: list[Term], texts: tuple[str, ...]) -> dict[str, float]:
    """`coverage(terms, "\n".join(texts))` from each text's own cached analysis (`german.coverage_in`): a
    sentence with its passage's title and headings analyses the sentence once and the headings once per
    passage, instead of every combination."""
    if not terms:
        return {}
    found = tuple(text_terms(t) for t in texts)
    return {t.text: coverage_in(found, t) for t in terms}


def weighted_coverage(terms: list[Term], covered: dict[str, float]) -> float:
    """The terms' weighted share that is covered, 0..1 (1.0 when the question has no key terms)."""
    total = sum(t.weight for t in terms)
    if total <= 0:
        return 1.0
    return sum(t.weight * covered.get(t.text, 0.0) for t in terms) / total


def missing_key_terms(
    question: str, hits: list[RetrievedChunk], encoder: Bm25Encoder | None = None
) -> list[str]:
    """Key terms of the question that no retrieved passage holds even in part (`TextTerms.coverage` 0)."""
    terms = question_terms(question)
    if not terms or not hits:
        return [t.text for t in terms]
    texts = [text_terms(passage_text(h)) for h in hits]
    return [t.text for t in terms if all(tt.coverage(t) == 0.0 for tt in texts)]


def passage_text(hit: RetrievedChunk) -> str:
    """A passage with what it is about: its title and heading path hold terms its sentences leave out."""
    c = hit.chunk
    return "\n".join([c.title, *c.heading_path, c.text])


def terms_in(terms: list[str], text: str, encoder: Bm25Encoder | None = None) -> set[str]:
    """The terms (key terms of a question, as written) that `text` holds fully."""
    found = text_terms(text)
    out = set()
    for term in terms:
        for t in german.key_terms(term, 99.0) or ():
            if found.coverage(t) >= 1.0:
                out.add(term)
    return out


class KeywordScorer:
    """Weighted overlap of a sentence's stems with the question's, in 0..1: key terms (nouns, names) weigh
    double, a shared compound head counts 0.8, and headline fragments (fewer than 8 words; not table rows,
    short by nature and often the answer) are damped."""

    def __init__(self, question: str, encoder: Bm25Encoder | None = None) -> None:
        self.encoder = encoder or default_encoder()
        key = {t for term in key_terms(question) for t in self.encoder.tokens(term)}
        self.weights = {t: 2.0 if t in key else 1.0 for t in self.encoder.tokens(question)}
        self.total = sum(self.weights.values()) or 1.0
        # each stem's weight with what `SentenceStems.shares_head` looks up for it, made once per question
        self._looks = [(t, w, head_keys(t)) for t, w in self.weights.items()]

    def score(self, sentence: str, row: bool = False) -> float:
        stems = sentence_stems(sentence, self.encoder)
        overlap = 0.0
        for t, w, keys in self._looks:
            if t in stems.tokens:
                overlap += w
            elif stems.shares_head_keys(t, keys):
                overlap += 0.8 * w
        fullness = 1.0 if row else min(1.0, stems.words / 8)
        return overlap / self.total * fullness


@dataclass(frozen=True)
class SentenceStems:
    """A sentence's stems (`Bm25Encoder.tokens`) indexed for `shares_head` against any one stem: its stems'
    endings of `_MIN_TAIL` letters or more and their last `_SAME_TAIL` letters."""

    tokens: frozenset[str]
    tails: frozenset[str]  # every ending of a stem at least _MIN_TAIL long (the stem itself included)
    same_tails: frozenset[str]  # the last _SAME_TAIL letters of each stem that long
    words: int  # whitespace-separated words of the sentence

    @classmethod
    def of(cls, sentence: str, encoder: Bm25Encoder) -> SentenceStems:
        toks = frozenset(encoder.tokens(sentence))
        return cls(
            toks,
            # interned: the same endings recur in every cached sentence
            frozenset(sys.intern(s[i:]) for s in toks for i in range(len(s) - _MIN_TAIL + 1)),
            frozenset(sys.intern(s[-_SAME_TAIL:]) for s in toks if len(s) >= _SAME_TAIL),
            len(sentence.split()),
        )

    def shares_head(self, t: str) -> bool:
        """`any(shares_head(t, s) for s in self.tokens)` by set look-ups: `t` equals a stem, ends one (and
        is `_MIN_TAIL` long), one ends `t` (and is), or both end in the same `_SAME_TAIL` letters."""
        return self.shares_head_keys(t, head_keys(t))

    def shares_head_keys(self, t: str, keys: tuple[str | None, frozenset[str]]) -> bool:
        """`shares_head(t)` with `head_keys(t)` made once for many sentences."""
        if t in self.tokens or t in self.tails:
            return True
        same_tail, endings = keys
        if same_tail is not None and same_tail in self.same_tails:
            return True
        return not self.tokens.isdisjoint(endings)


def head_keys(t: str) -> tuple[str | None, frozenset[str]]:
    """What `SentenceStems.shares_head` looks up for the stem `t`: its last `_SAME_TAIL` letters (None when
    it is shorter) and its proper endings at least `_MIN_TAIL` long."""
    same_tail = t[-_SAME_TAIL:] if len(t) >= _SAME_TAIL else None
    return same_tail, frozenset(t[i:] for i in range(1, len(t) - _MIN_TAIL + 1))


_STEMS: Lru[tuple[type, str, str], SentenceStems] = Lru(SENTENCE_CACHE)


def sentence_stems(sentence: str, encoder: Bm25Encoder) -> SentenceStems:
    """`SentenceStems.of(sentence, encoder)`, shared from a bounded LRU (per kind of encoder: its analyzer,
    part of its name, decides the stems)."""
    key = (type(encoder), encoder.name, sentence)
    return _STEMS.get(key, lambda k: SentenceStems.of(k[2], encoder))


def cache_clear() -> None:
    """Forget every cached analysis of sentences and words (tests: a cold process)."""
    _STEMS.clear()
    SPLITS.clear()
    german.cache_clear()
