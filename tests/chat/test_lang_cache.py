"""`detect_language` remembers langdetect's guess by text (`lang.GUESS_CACHE`) and by the n-grams langdetect
samples from (`lang.NGRAM_CACHE`): the same decisions as without the caches on every question of the QA sets
(datasets/qa/*.jsonl), cold and warm, also with digits and punctuation added, and a question asked again (or
with other digits) is not detected again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auskunft.chat import lang

REPO = Path(__file__).resolve().parents[2]
QUESTIONS = [
    q
    for f in sorted((REPO / "datasets" / "qa").glob("*.jsonl"))
    for line in f.read_text(encoding="utf-8").splitlines()
    if line.strip()
    for q in [json.loads(line).get("question") or json.loads(line).get("text")]
    if q
]


def uncached(text: str, hint: str | None = None) -> str:
    """detect_language as it was before the cache: langdetect asked every time."""
    cached = lang._langdetect
    lang._langdetect = lang._detect_uncached  # type: ignore[assignment]
    try:
        return lang.detect_language(text, hint)
    finally:
        lang._langdetect = cached


@pytest.mark.parametrize("hint", ["de", "en"])
def test_same_decisions_on_the_qa_sets_cold_and_warm(hint: str) -> None:
    assert len(QUESTIONS) > 500
    expected = [uncached(q, hint) for q in QUESTIONS]
    lang._langdetect.cache_clear()
    lang._BY_NGRAMS.clear()
    assert [lang.detect_language(q, hint) for q in QUESTIONS] == expected  # cold
    assert [lang.detect_language(q, hint) for q in QUESTIONS] == expected  # warm
    lang._langdetect.cache_clear()  # the n-gram cache answers
    assert [lang.detect_language(q, hint) for q in QUESTIONS] == expected


def test_digits_and_punctuation_added_decide_as_without_the_caches() -> None:
    """A question with a number or a mark added ("... (2024-3)?") may be decided differently from the question
    alone (langdetect sees a space more at its end), never differently from langdetect asked afresh."""
    lang._langdetect.cache_clear()
    lang._BY_NGRAMS.clear()
    for q in QUESTIONS[::3]:
        for variant in (q, f"{q} (123456-7)", f"{q} (654321-12)", f"{q}?!", f"2024: {q}"):
            assert lang.detect_language(variant) == uncached(variant), variant


def test_a_question_asked_again_is_not_detected_again() -> None:
    undecided = "gibts nen familientarif"  # no function word decides it: langdetect does
    lang._langdetect.cache_clear()
    lang._BY_NGRAMS.clear()
    first = lang.detect_language(undecided)
    misses = lang._langdetect.cache_info().misses
    assert lang.detect_language(undecided) == first == uncached(undecided)
    info = lang._langdetect.cache_info()
    assert (info.misses, info.hits) == (misses, 1)
    assert info.maxsize == lang.GUESS_CACHE
    # other digits: a new text, the same n-grams (digits are spaces to langdetect): not detected again
    assert lang._BY_NGRAMS.misses == 1
    assert lang.detect_language(f"{undecided} (4711-2)") == lang.detect_language(f"{undecided} (815-3)")
    assert lang._BY_NGRAMS.misses == 2 and lang._BY_NGRAMS.hits == 1
