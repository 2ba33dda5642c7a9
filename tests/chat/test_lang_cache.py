"""`detect_language` remembers langdetect's guess by text (`lang.GUESS_CACHE`): the same decisions as without the
cache on every question of the QA sets (datasets/qa/*.jsonl), cold and warm, and a question asked again is
not detected again."""

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
    lang._langdetect = cached.__wrapped__  # type: ignore[attr-defined]
    try:
        return lang.detect_language(text, hint)
    finally:
        lang._langdetect = cached


@pytest.mark.parametrize("hint", ["de", "en"])
def test_same_decisions_on_the_qa_sets_cold_and_warm(hint: str) -> None:
    assert len(QUESTIONS) > 500
    expected = [uncached(q, hint) for q in QUESTIONS]
    lang._langdetect.cache_clear()
    assert [lang.detect_language(q, hint) for q in QUESTIONS] == expected  # cold
    assert [lang.detect_language(q, hint) for q in QUESTIONS] == expected  # warm


def test_a_question_asked_again_is_not_detected_again() -> None:
    undecided = "gibts nen familientarif"  # no function word decides it: langdetect does
    lang._langdetect.cache_clear()
    first = lang.detect_language(undecided)
    misses = lang._langdetect.cache_info().misses
    assert lang.detect_language(undecided) == first == uncached(undecided)
    info = lang._langdetect.cache_info()
    assert (info.misses, info.hits) == (misses, 1)
    assert info.maxsize == lang.GUESS_CACHE
