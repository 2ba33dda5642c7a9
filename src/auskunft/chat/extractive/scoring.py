"""Which sentences the extractive answer quotes, and whether they answer the question (`answer.py` words it).

Every sentence of the retrieved passages is a candidate (`score_candidates`). Two signals rank them:
- meaning: cosine of the sentence (embedded as a passage) and the question (as a query) with the retrieval
  embedder (`SentenceVectors`), so "Ab welchem Betrag ..." finds "Kreditbetrag: ab 500 EUR";
- keywords: weighted stem overlap with the question (`KeywordScorer`; nouns and names weigh double).

`choose` picks the outcome and the sentences to quote:
- "answer": the best sentence means the same as the question (cosine >= `threshold`) and the quoted
  sentences (with their passages' titles and headings) hold at least `min_term_coverage` of the question's
  key terms, weighted by rarity (`auskunft.text.german`: lemmas, compound parts both ways, abbreviations;
  everyday words weigh nothing), or the match is strong enough to be a paraphrase (`strong_threshold`);
- "closest": retrieval found something close but no sentence passes those checks: the best sentence of
  each of the closest passages;
- "none": nothing is close: no passage, or the closest passage and sentence are below `none_floor` in
  cosine (keywords only: no sentence shares a word with the question).

Within a confident answer a sentence from an older dated document gives way to one from a newer document
that says the same thing (`same_overlap`) and ranks nearly as high (`newest_window`).

Every threshold is a field of `ExtractiveParams`; eval/loso.py chooses them leave-one-site-out (the
defaults below are chosen by mechanism, not fitted to a site). Without an embedder (tests, or a caller
that has none) the keyword signal alone ranks sentences.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date as Date

import numpy as np

from auskunft.chat.extractive.answer_type import AnswerType, about_the_years, carries, expected_type
from auskunft.chat.extractive.keywords import (
    KeywordScorer,
    coverage_joined,
    passage_text,
    question_terms,
    sentence_stems,
)
from auskunft.chat.extractive.semantic import SentenceVectors
from auskunft.chat.extractive.sentences import sentences
from auskunft.index.sparse import Bm25Encoder
from auskunft.models import RetrievedChunk
from auskunft.retrieval.votes import question_years
from auskunft.text.german import COMMON_ZIPF, text_terms


@dataclass(frozen=True)
class ExtractiveParams:
    """Every threshold of the extractive answer (eval/loso.py sweeps them leave-one-site-out).

    Defaults: `threshold`, `strong_threshold`, `none_floor`, `min_term_coverage` and `coverage_scope` are
    what the leave-one-site-out folds of eval/loso.py chose on the real-site corpus (each fold on seven sites,
    all folds agreeing on most: docs/quality.md); the ranking weights were calibrated on the repo's own QA
    sets with multilingual-e5-small; `common_zipf` and the newest-version rule are set by mechanism."""

    threshold: float = 0.86  # best sentence's cosine at or above this may be a confident answer
    strong_threshold: float = 0.93  # at or above this a sentence is a paraphrase: key terms not checked
    # "nothing found" only below this cosine of the closest passage or sentence. multilingual-e5-small puts
    # a German question and unrelated German text at 0.74-0.79 and text on its topic at 0.83 and above
    # (tests/chat/test_extractive.py's passages); the floor sits low in the unrelated band because "nothing
    # found" for an answerable question costs more than "closest passages" for an unanswerable one
    none_floor: float = 0.78
    min_term_coverage: float = 1.0  # weighted share of the question's key terms the quoted text must hold
    # where: "union" = the quoted sentences together (the rule as calibrated before); "sentence" = one quoted
    # sentence (with its passage's title and headings) holds them: the one that answers names what is asked.
    # A stricter check costs little: a question it fails still gets the closest passages, not "nothing found"
    coverage_scope: str = "union"
    # words this frequent in German (wordfreq Zipf; 5.0: the ~900 commonest forms) weigh nothing as key terms;
    # a rarer term weighs its Zipf units below this (an IDF-like weight)
    common_zipf: float = COMMON_ZIPF
    keyword_weight: float = 0.05  # ranking: cosine + keyword_weight * keyword overlap (0..1)
    margin: float = 0.06  # quote sentences within this of the best ranking score (no filler)
    rank_weight: float = 0.01  # ranking: + rank_weight / retrieval rank of the passage
    short_penalty: float = 0.01  # ranking: - this per word below 6 (headings, fragments; not table rows)
    max_sentences: int = 3
    closest_passages: int = 3  # "closest": the best sentence of at most this many passages
    max_embed: int = 16  # sentences embedded per answer (cold cache cost), best keyword/rank first
    # newest version: a quoted sentence gives way to one from a newer dated document that ranks within
    # `newest_window` of the best and shares `same_overlap` of its words (numbers aside): the same statement
    newest_window: float = 0.08
    same_overlap: float = 0.6
    # a quantity or time question ("Wie hoch ist …", "Wann …") is answered only by quoted text with a number or
    # a date in it (answer_type.py); else its sentences are shown as the closest passages
    answer_type: bool = True
    # a question naming a year is answered only by quotes that name it or no year (never only other years)
    year_agreement: bool = True
    # a confident quote adds a word to the question's: a sentence made only of the question's words (a title,
    # a heading, a link text: "Sommerakademie 2024" for "wo war die sommerakademie 2024") answers nothing
    novelty: bool = True


@dataclass
class Candidate:
    text: str
    row: bool  # a table row (quoted with its column names)
    n: int  # the source number (retrieval rank, 1-based)
    pos: int  # position in its passage
    keyword: float  # KeywordScorer.score, 0..1
    meaning: float | None = None  # cosine with the question; None when not embedded
    terms: set[str] = field(default_factory=set)  # key terms of the question it holds fully
    covered: dict[str, float] = field(default_factory=dict)  # key term -> coverage 0..1 (sentence + headings)
    date: Date | None = None  # its document's date


@dataclass
class Scored:
    """What the answer is chosen from; `compose` turns it into the answer for given parameters."""

    candidates: list[Candidate]
    missing: list[str] = field(default_factory=list)  # key terms of the question in no passage
    key_terms: list[str] = field(default_factory=list)
    doc_languages: set[str] = field(default_factory=set)
    weights: dict[str, float] = field(default_factory=dict)  # key term -> weight (absent: 1.0)
    best_retrieval: float | None = None  # the closest passage's cosine (None: no dense scores)
    zipfs: dict[str, float] = field(
        default_factory=dict
    )  # key term -> wordfreq Zipf (weights by common_zipf)
    # the fact the question asks for, if its surface shows one (answer_type)
    expects: AnswerType | None = None
    years: set[str] = field(default_factory=set)  # the years the question names (year_agreement)
    asked: set[str] = field(default_factory=set)  # the question's search tokens (novelty)
    negations: set[str] = field(default_factory=set)  # the question's negation words (novelty)

    @property
    def best_meaning(self) -> float | None:
        scores = [c.meaning for c in self.candidates if c.meaning is not None]
        return max(scores) if scores else None

    def weight(self, term: str, common_zipf: float | None = None) -> float:
        """A key term's weight: Zipf units below `common_zipf` (everyday words 0), else as scored."""
        if common_zipf is not None and term in self.zipfs:
            return max(0.0, common_zipf - self.zipfs[term])
        return self.weights.get(term, 1.0)

    def coverage_of(self, quoted: list[Candidate], common_zipf: float | None = None) -> float:
        """Weighted share of the key terms the quoted candidates hold (1.0 without key terms)."""
        total = sum(self.weight(t, common_zipf) for t in self.key_terms)
        if total <= 0:
            return 1.0
        got = 0.0
        for t in self.key_terms:
            best = max(
                (max(c.covered.get(t, 0.0), 1.0 if t in c.terms else 0.0) for c in quoted), default=0.0
            )
            got += self.weight(t, common_zipf) * best
        return got / total


def score_candidates(
    question: str,
    hits: list[RetrievedChunk],
    p: ExtractiveParams,
    encoder: Bm25Encoder,
    vectors: SentenceVectors | None,
) -> Scored:
    """Every sentence of `hits` as a candidate with its keyword score, key terms and (embedded: the
    `max_embed` likeliest) meaning."""
    kw = KeywordScorer(question, encoder)
    # every content term is scored (Zipf cut 99); `compose` weighs them by its own `common_zipf`
    terms = question_terms(question, 99.0)
    candidates: list[Candidate] = []
    seen: set[str] = set()
    # from the shared, bounded LRU: a passage asked about again is not analysed again
    passages = [text_terms(passage_text(h)) for h in hits]
    for n, hit in enumerate(hits, start=1):
        context = "\n".join([hit.chunk.title, *hit.chunk.heading_path])
        for pos, (text, row) in enumerate(sentences(hit.chunk.text)):
            if text not in seen:
                seen.add(text)
                covered = coverage_joined(terms, (context, text))  # = coverage of f"{context}\n{text}"
                candidates.append(
                    Candidate(
                        text,
                        row,
                        n,
                        pos,
                        kw.score(text, row),
                        terms={t for t, v in covered.items() if v >= 1.0},
                        covered=covered,
                        date=hit.chunk.date,
                    )
                )
    dense = [h.dense_score for h in hits if h.dense_score is not None]
    scored = Scored(
        candidates=candidates,
        missing=[t.text for t in terms if all(pt.coverage(t) == 0.0 for pt in passages)] if hits else [],
        doc_languages={h.chunk.language for h in hits if h.chunk.language},
        key_terms=[t.text for t in terms],
        weights={t.text: max(0.0, p.common_zipf - t.zipf) for t in terms},
        zipfs={t.text: t.zipf for t in terms},
        best_retrieval=max(dense) if dense else None,
        expects=expected_type(question),
        years=question_years(question),
        asked=set(encoder.tokens(question)),
        negations=set(_NEGATIONS.intersection(_WORD.findall(question.lower()))),
    )
    if vectors is not None and candidates:
        # the cold-cache cost is one passage embedding per sentence: embed the likeliest first
        chosen = sorted(candidates, key=lambda c: -(c.keyword + 0.15 / c.n))[: p.max_embed]
        sims = vectors.sentences([c.text for c in chosen]) @ vectors.query(question)
        for c, s in zip(chosen, np.asarray(sims).tolist(), strict=True):
            c.meaning = float(s)
    return scored


def choose(
    scored: Scored, language: str, p: ExtractiveParams, encoder: Bm25Encoder
) -> tuple[str, list[Candidate]]:
    """The outcome ("answer", "closest" or "none") and the sentences to quote, best first."""
    if not scored.candidates:
        return "none", []
    best_meaning = scored.best_meaning
    if best_meaning is None:  # keywords only
        return _choose_keywords(scored, p, encoder)
    closeness = max(x for x in (best_meaning, scored.best_retrieval) if x is not None)
    if closeness < p.none_floor:
        return "none", []
    ranked = sorted((c for c in scored.candidates if c.meaning is not None), key=lambda c: -_rank(c, p))
    telling = _telling(ranked, scored, p, encoder)
    if not telling:
        return "closest", _closest(ranked, lambda c: _rank(c, p), p)
    top = _rank(telling[0], p)
    best = [c for c in telling[: p.max_sentences] if _rank(c, p) >= top - p.margin]
    best = _newest(best, ranked, top, p, encoder, lambda c: _tells(c, scored, p, encoder))
    # key terms are words of the documents' language: asked in another language they cannot match
    same_language = not scored.doc_languages or language in scored.doc_languages
    confident = (
        best_meaning >= p.threshold
        and (
            best_meaning >= p.strong_threshold
            or not same_language
            or _coverage(scored, best, p) >= p.min_term_coverage
        )
        and _of_the_type(scored, best, p)
    )
    if confident:
        return "answer", best
    return "closest", _closest(ranked, lambda c: _rank(c, p), p)


# stop words that answer a yes/no question ("Haben Fördermitglieder ein Stimmrecht?" - "Fördermitglieder haben
# kein Stimmrecht."): the search tokens leave them out, novelty counts them
_NEGATIONS = frozenset(
    "nicht kein keine keinen keinem keiner keines nie niemals nein nichts weder ohne not no never none".split()
)
_WORD = re.compile(r"\w+")


def _tells(c: Candidate, scored: Scored, p: ExtractiveParams, encoder: Bm25Encoder) -> bool:
    """The candidate says more than the question asks (novelty): a search term or a negation of its own."""
    if not p.novelty or sentence_stems(c.text, encoder).tokens - scored.asked:
        return True
    return bool(_NEGATIONS.intersection(_WORD.findall(c.text.lower())) - scored.negations)


def _telling(
    ranked: list[Candidate], scored: Scored, p: ExtractiveParams, encoder: Bm25Encoder
) -> list[Candidate]:
    """The best `max_sentences` candidates of `ranked` that say more than the question (checked lazily)."""
    out: list[Candidate] = []
    for c in ranked:
        if _tells(c, scored, p, encoder):
            out.append(c)
            if len(out) >= p.max_sentences:
                break
    return out


def _choose_keywords(
    scored: Scored, p: ExtractiveParams, encoder: Bm25Encoder
) -> tuple[str, list[Candidate]]:
    matching = [c for c in scored.candidates if c.keyword > 0]
    if not matching:
        return "none", []

    def rank(c: Candidate) -> float:
        return c.keyword + 0.05 / c.n

    ranked = sorted(matching, key=lambda c: -rank(c))
    telling = _telling(ranked, scored, p, encoder)
    if telling:
        top = rank(telling[0])
        best = [c for c in telling[: p.max_sentences] if rank(c) >= 0.6 * top]
        if _coverage(scored, best, p) >= p.min_term_coverage and _of_the_type(scored, best, p):
            return "answer", best
    return "closest", _closest(ranked, rank, p)


def _coverage(scored: Scored, quoted: list[Candidate], p: ExtractiveParams) -> float:
    if p.coverage_scope == "union":
        return scored.coverage_of(quoted, p.common_zipf)
    return max((scored.coverage_of([c], p.common_zipf) for c in quoted), default=0.0)


def _of_the_type(scored: Scored, quoted: list[Candidate], p: ExtractiveParams) -> bool:
    """The quotes hold the asked fact (answer_type) in a sentence that is about the asked year, if the question
    names one: "wie viele Einsätze 2024?" is not answered by "Im Jahr 2026 rückten wir zu 4 Einsätzen aus."."""
    if p.year_agreement and scored.years:
        quoted = [c for c in quoted if about_the_years(c.text, scored.years)]
        if not quoted:
            return False
    if not p.answer_type or scored.expects is None:
        return True
    return any(carries(c.text, scored.expects) for c in quoted)


def _rank(c: Candidate, p: ExtractiveParams) -> float:
    short = 0 if c.row else max(0, 6 - len(c.text.split()))
    return (c.meaning or 0.0) + p.keyword_weight * c.keyword + p.rank_weight / c.n - p.short_penalty * short


_NUMBERISH = re.compile(r"\d")


def _statement(c: Candidate, encoder: Bm25Encoder) -> set[str]:
    return {t for t in sentence_stems(c.text, encoder).tokens if not _NUMBERISH.search(t)}


def _same_statement(a: set[str], b: set[str], p: ExtractiveParams) -> bool:
    return bool(a and b) and len(a & b) / min(len(a), len(b)) >= p.same_overlap


def _newest(
    best: list[Candidate],
    ranked: list[Candidate],
    top: float,
    p: ExtractiveParams,
    encoder: Bm25Encoder,
    tells: Callable[[Candidate], bool],
) -> list[Candidate]:
    """Each quoted sentence replaced by the same statement from the newest dated document that ranks
    within `newest_window` of the best and says more than the question (`tells`); duplicates dropped."""
    window = [c for c in ranked if c.date is not None and _rank(c, p) >= top - p.newest_window and tells(c)]
    if not window:
        return best
    out: list[Candidate] = []
    for c in best:
        mine = _statement(c, encoder)
        newer = [
            d
            for d in window
            if d.n != c.n
            and (c.date is None or d.date > c.date)  # type: ignore[operator]
            and _same_statement(mine, _statement(d, encoder), p)
        ]
        if newer and c.date is not None:
            c = max(newer, key=lambda d: (d.date, _rank(d, p)))
        if c not in out:
            out.append(c)
    return out


def _closest(
    ranked: list[Candidate], rank: Callable[[Candidate], float], p: ExtractiveParams
) -> list[Candidate]:
    """The best sentence of each of the closest passages, best first."""
    out: list[Candidate] = []
    seen: set[int] = set()
    for c in sorted(ranked, key=lambda c: -rank(c)):
        if c.n not in seen:
            seen.add(c.n)
            out.append(c)
        if len(out) >= p.closest_passages:
            break
    return out
