"""Do two questions ask the same thing? Used for curated answers (visitor question vs. the answer's wordings)
and for grouping the open questions.

A pair scores `cosine + term_weight * term_share`, minus a penalty when the two ask for different kinds of
answer (a time vs. a place vs. a price vs. a person): the embedding alone rates "Wann beginnt die Saison?"
and "Wann endet die Saison?" 0.96 and "Wann ist ...?" vs. "Wo ist ...?" 0.98, while true paraphrases often
share few words ("Verleiht ihr Boote?" / "Wo kann ich ein Kanu ausleihen?"). `term_weight` and the threshold
are chosen on one half of datasets/paraphrases/de.jsonl and reported on the other
(`python -m auskunft.console.paraphrase_eval`, docs/console.md).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_WORD = re.compile(r"\w+", re.UNICODE)

# the kind of answer a German (or English) question asks for; absent: a yes/no or "how" question
_ANSWER_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "price",
        re.compile(
            r"\b(was kostet|was kosten|wie teuer|wie ?viel (?:geld|kostet|kosten|zahl|muss ich .*zahlen)|"
            r"wieviel muss|wie hoch (?:ist|sind) (?:der|die|das) \w*(?:beitrag|gebühr|geld|miete|preis|kosten)|"
            r"how much|what does .* cost)"
        ),
    ),
    (
        "time",
        re.compile(
            r"\b(wann|bis wann|ab wann|seit wann|um wie ?viel uhr|zu welche[rnm]? (?:zeit|uhrzeit|termin)\w*|"
            r"an welchen? (?:tag|termin)\w*|welche[rn]? (?:termin|zeit|uhrzeit|tag)\w*|wie lange|when)\b"
        ),
    ),
    (
        "place",
        re.compile(r"\b(wo|wohin|woher|an welchem ort|in welche[rnm]? (?:halle|raum|ort|stadt)|where)\b"),
    ),
    ("person", re.compile(r"\b(wer|an wen|wem|wen|who|whom)\b")),
)


def answer_kind(question: str) -> str | None:
    """What a question asks for: "price", "time", "place", "person", or None (yes/no, how, a keyword)."""
    text = " ".join(_WORD.findall(question.lower()))
    for kind, pattern in _ANSWER_KINDS:
        if pattern.search(text):
            return kind
    return None


def kinds_conflict(a: str, b: str) -> bool:
    ka, kb = answer_kind(a), answer_kind(b)
    return ka is not None and kb is not None and ka != kb


# ------------------------------------------------------------------------------------ key terms
@lru_cache(maxsize=1)
def _german() -> object | None:
    """auskunft.text.german with its resources loaded, or None where they are not installed."""
    try:
        from auskunft.text import german, german_lexicon

        german_lexicon.start()
    except ImportError:
        return None
    return german


def _light_terms(text: str) -> set[str]:
    from auskunft.console.terms import key_terms as light

    return set(light(text))


def _matches(term: str, others: set[str]) -> bool:
    """Equal, or one a prefix/suffix of the other with 5+ letters shared (compounds: Mitgliedsbeitrag)."""
    return any(
        term == o
        or (
            min(len(term), len(o)) >= 5
            and (term.startswith(o) or o.startswith(term) or term.endswith(o) or o.endswith(term))
        )
        for o in others
    )


@lru_cache(maxsize=8192)
def _coverage(a: str, b: str) -> float:
    """How far `b` contains the key terms of `a` (weighted by rarity with the German normaliser)."""
    german: Any = _german()
    if german is not None:
        terms = german.key_terms(a)
        if not terms:
            return 0.0
        text = german.TextTerms(b)
        total = sum(t.weight for t in terms)
        return sum(t.weight * text.coverage(t) for t in terms) / total if total else 0.0
    ta, tb = _light_terms(a), _light_terms(b)
    return sum(_matches(t, tb) for t in ta) / len(ta) if ta else 0.0


def term_share(a: str, b: str) -> float:
    """Weighted share of key terms the two questions have in common (the smaller of both directions)."""
    return min(_coverage(a, b), _coverage(b, a))


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    na, nb = math.sqrt(sum(x * x for x in a)), math.sqrt(sum(y * y for y in b))
    return dot / (na * nb) if na and nb else 0.0


# ------------------------------------------------------------------------------------ the decision
@dataclass(frozen=True)
class MatchParams:
    """Chosen on fold A of datasets/paraphrases/de.jsonl (see docs/console.md for the held-out figures)."""

    threshold: float = 1.0656  # fold 0, "near misses <= 5%"
    term_weight: float = 0.1
    kind_penalty: float = 1.0


DEFAULT_PARAMS = MatchParams()


@dataclass(frozen=True)
class PairScore:
    cosine: float
    share: float
    conflict: bool

    def value(self, p: MatchParams) -> float:
        return self.cosine + p.term_weight * self.share - (p.kind_penalty if self.conflict else 0.0)


def pair_score(a: str, b: str, va: list[float], vb: list[float]) -> PairScore:
    return PairScore(cosine(va, vb), term_share(a, b), kinds_conflict(a, b))


def same_intent(score: PairScore, params: MatchParams = DEFAULT_PARAMS) -> bool:
    return score.value(params) >= params.threshold
