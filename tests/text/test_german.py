"""The German normaliser on real German words: lemmas, everyday words by frequency, compounds both ways,
abbreviations of compound parts, and what a passage counts as containing a question's key terms."""

from __future__ import annotations

import threading
import time

import pytest

from auskunft.text import german_lexicon
from auskunft.text.german import TextTerms, abbreviation_matches, key_terms
from auskunft.text.german_lexicon import normalise, split_compound


@pytest.fixture(scope="module", autouse=True)
def _loaded() -> None:
    german_lexicon.start()
    german_lexicon.start()  # safe to call twice


def texts(question: str) -> list[str]:
    return [t.text for t in key_terms(question)]


def test_lemmas_of_inflected_words() -> None:
    assert normalise("Mitglieder") == "mitglied"
    assert normalise("abgebucht") == "abbuchen"
    assert normalise("Öffnungszeiten") == "öffnungszeit"
    assert normalise("kostet") == "kosten"


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("Mitgliederversammlung", ("mitglied", "versammlung")),
        ("Vorstandsmitglieder", ("vorstand", "mitglied")),
        ("Postadresse", ("post", "adresse")),
        ("Gläubiger-Identifikationsnummer", ("gläubiger", "identifikation", "nummer")),
        ("sommerfest", ("sommer", "fest")),
        ("Programm", ("programm",)),
        ("abgebucht", ("abbuchen",)),
    ],
)
def test_compound_parts_head_last(word: str, parts: tuple[str, ...]) -> None:
    assert split_compound(word) == parts


def test_everyday_words_are_never_key_terms() -> None:
    # the words site C's visitors were refused over: verbs, adverbs, question words, frequent nouns
    assert texts("Wann wird der Beitrag abgebucht?") in ([], ["Beitrag"])
    assert texts("wieviele mitglieder hat der verein ungefähr") == []
    assert texts("Worüber wurde bei der Versammlung geredet?") == ["Versammlung"]
    weights = {t.text: t.weight for t in key_terms("Was steht im Programm vom Sommerfest?")}
    assert weights["Sommerfest"] > 1.0
    assert weights.get("Programm", 0.0) < 0.1  # Zipf 4.98: at the edge of the ~900 most used word forms


def test_key_terms_of_a_lower_case_question() -> None:
    assert texts("wann ist das sommerfest") == ["sommerfest"]
    assert texts("welche postadresse hat der verein") == ["postadresse"]


def test_rare_words_weigh_more() -> None:
    terms = {t.text: t for t in key_terms("Wie hoch ist das Gehalt der Präsidentin?")}
    assert set(terms) == {"Gehalt", "Präsidentin"}
    assert terms["Präsidentin"].weight > terms["Gehalt"].weight > 0


@pytest.mark.parametrize(
    ("short", "long_"),
    [
        ("Gläubiger-ID", "Gläubiger-Identifikationsnummer"),
        ("Gläubiger-ID", "Gläubigeridentifikationsnummer"),
        ("Mitgl.-Nr.", "Mitgliedsnummer"),
        ("JHV", "Jahreshauptversammlung"),
        ("MV", "Mitgliederversammlung"),
        ("Tel.", "Telefon"),
        ("Str.", "Straße"),
        ("Kto.", "Konto"),
    ],
)
def test_abbreviations_match_their_long_forms(short: str, long_: str) -> None:
    assert abbreviation_matches(short, long_)


@pytest.mark.parametrize(
    ("short", "long_"),
    [
        ("Bank", "Bankverbindung"),  # a whole word is no abbreviation
        ("Gläubiger", "Gläubiger-Identifikationsnummer"),
        ("MV", "Vorstandssitzung"),
        ("Gläubiger-ID", "Gläubiger-Identifikationsnummer-Liste-Neu"),
        ("Mitgl.-Nr.", "Mitgliedsausweis"),
    ],
)
def test_no_abbreviation(short: str, long_: str) -> None:
    assert not abbreviation_matches(short, long_)


PASSAGE = (
    "Die Gläubiger-Identifikationsnummer des Vereins lautet DE12ZZZ00000012345. Der Beitrag für "
    "Mitglieder wird jeweils im März abgebucht. Die JHV findet im Vereinsheim statt."
)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Wie lautet die Gläubiger-ID?", {"Gläubiger-ID": 1.0}),  # abbreviation asked, long form written
        (
            "Wann wird der Mitgliedsbeitrag fällig?",
            {"Mitgliedsbeitrag": 1.0},
        ),  # compound asked, parts written
        (
            "Wo ist die Jahreshauptversammlung?",
            {"Jahreshauptversammlung": 1.0},
        ),  # long form asked, JHV written
        ("Wie hoch ist das Gehalt der Präsidentin?", {"Gehalt": 0.0, "Präsidentin": 0.0}),
    ],
)
def test_passage_coverage_of_key_terms(question: str, expected: dict[str, float]) -> None:
    passage = TextTerms(PASSAGE)
    assert {t.text: passage.coverage(t) for t in key_terms(question)} == expected


def test_compound_asked_and_its_head_written_counts_half_or_more() -> None:
    passage = TextTerms("Der Jahresbeitrag beträgt 48 Euro.")
    (term,) = key_terms("Wie hoch ist der Mitgliedsbeitrag?")
    assert passage.coverage(term) == 0.5  # the head "beitrag", not "mitglied"
    (term,) = key_terms("Wie hoch ist der Jahresbeitrag für Kinder?")[:1]
    assert TextTerms("Beitrag: 48 Euro im Jahr").coverage(term) == 1.0


def test_fast_once_cached_and_thread_safe() -> None:
    words = (
        "Mitgliederversammlungen Beitragsordnung Vereinsheim Ehrenamtspauschale Lastschriftverfahren "
        "Jugendabteilung Übungsleiterin Sportplatz Geschäftsstelle Satzungsänderung"
    ).split()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for w in words:
                split_compound(w)
                normalise(w)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    t0 = time.perf_counter()
    for _ in range(100):
        for w in words:
            split_compound(w)
            normalise(w)
    per_word_us = (time.perf_counter() - t0) / (100 * len(words)) * 1e6
    assert per_word_us < 20  # cached look-ups (measured ~0.2 µs)
