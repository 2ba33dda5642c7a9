"""A quantity or time question is answered only by a quote with a number or a date (answer_type.py); the
sentences are real ones the offline answer quoted confidently for unanswerable questions of the real-site
corpus (dtfb, ff-heitzenhofen), beside sentences that do answer."""

from __future__ import annotations

from datetime import date

import pytest

from auskunft.chat.extractive import ExtractiveAnswerer, ExtractiveParams
from auskunft.chat.extractive.answer_type import carries, expected_type
from auskunft.chat.extractive.scoring import Candidate, Scored
from auskunft.index.sparse import Bm25Encoder
from auskunft.retrieval.votes import question_years
from tests.chat.test_extractive import hit


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("wie hoch ist die protestgebühr", "quantity"),
        ("was kostet eine spielerlizenz im jahr", "quantity"),
        ("wie viele vereine sind im dtfb organisiert", "quantity"),
        ("wieviele zahlende mitglieder hat pep", "quantity"),
        ("Wie lange dauert die Ausbildung?", "quantity"),
        ("How much is the membership fee?", "quantity"),
        ("wann ist die nächste übung, welcher wochentag", "time"),
        ("bis wann muss die bewerbung fürs stipendium da sein", "time"),
        ("An welchem Datum ist die Jahreshauptversammlung?", "time"),
        ("wer ist präsident vom dtfb", None),
        ("Wo ist das Vereinsheim?", None),
        ("Gibt es ein Damentraining?", None),
        ("Was steht in der Satzung über den Austritt?", None),
    ],
)
def test_the_fact_a_question_asks_for(question: str, kind: str | None) -> None:
    assert expected_type(question) == kind


@pytest.mark.parametrize(
    ("text", "kind", "holds"),
    [
        ("Ohne Protestgebühr gilt der Antrag als nicht gestellt.", "quantity", False),
        ("Die Höhe der Beiträge ist im Finanzstatus geregelt.", "quantity", False),
        (
            "Von den Mitgliedern wird ein Jahresbeitrag erhoben, dessen Höhe die Versammlung festsetzt.",
            "quantity",
            False,
        ),
        ("Die Protestgebühr beträgt 50 €.", "quantity", True),
        # numbers that are no quantity: numbering, references, dates, years, times of day
        (
            "4. Der Protest eines Vereins wird nur wirksam, wenn die Gebühr in voller Höhe lt.",
            "quantity",
            False,
        ),
        ("3.1.2. Die Lizenz gilt für die jeweilige Saison.", "quantity", False),
        # a numbered list quoted with its lead: the items' numbers are numbering too
        ("Die Ordnungen des DTFB sind: 1. Spielordnung (SPO); 2. Ehrenordnung (EO)", "quantity", False),
        ("Kreditbetrag: ab 500 EUR; Zinsen: keine", "quantity", True),
        ("Jeder Verein hat bis zum 31. Dezember 2024 den Antrag einzureichen.", "quantity", False),
        ("Die Gebühr regelt § 9 Abs. 2 der Finanzordnung.", "quantity", False),
        ("Es gibt 84 zahlende Mitglieder.", "quantity", True),
        ("Der Zuschuss beträgt 2000 Euro.", "quantity", True),
        ("Für Studierende ist die Mitgliedschaft kostenlos.", "quantity", True),
        ("Der Verein hat zwölf Mannschaften im Ligabetrieb.", "quantity", True),
        ("Die Übungen finden nach Ankündigung statt.", "time", False),
        ("Geübt wird jeden ersten Freitag im Monat.", "time", True),
        ("Die Bewerbungsfrist endet am 18. September 2019.", "time", True),
    ],
)
def test_whether_a_sentence_carries_it(text: str, kind: str, holds: bool) -> None:
    assert carries(text, kind) is holds  # type: ignore[arg-type]


def scored(question: str, *sentences: tuple[str, float]) -> Scored:
    return Scored(
        candidates=[
            Candidate(text, False, n, 0, 0.5, meaning=meaning)
            for n, (text, meaning) in enumerate(sentences, 1)
        ],
        expects=expected_type(question),
        years=question_years(question),
    )


def test_a_quote_without_the_asked_fact_is_shown_as_closest_not_as_the_answer() -> None:
    answerer = ExtractiveAnswerer()
    topic_only = scored(
        "wie hoch ist die protestgebühr",
        ("Ohne Protestgebühr gilt der Antrag als nicht gestellt.", 0.90),
        ("Proteste resultieren aus den Pflichtspielen der Bundesligen.", 0.86),
    )
    assert answerer.compose(topic_only, "de").outcome == "closest"
    assert answerer.compose(topic_only, "de", ExtractiveParams(answer_type=False)).outcome == "answer"
    answered = scored(
        "wie hoch ist die protestgebühr",
        ("Die Protestgebühr beträgt 50 € und ist mit dem Protest zu überweisen.", 0.90),
    )
    assert answerer.compose(answered, "de").outcome == "answer"
    # a question of no surface type is not checked
    who = scored("wer ist präsident vom dtfb", ("Präsident des DTFB ist Max Beispiel.", 0.90))
    assert answerer.compose(who, "de").outcome == "answer"


def test_a_question_naming_a_year_is_not_answered_by_another_years_sentence() -> None:
    """ff-heitzenhofen's unanswerable "wie viele Einsätze hattet ihr 2024" got a confident answer from the
    2026 count: a quote naming only other years is about them."""
    answerer = ExtractiveAnswerer()
    other_year = scored(
        "wie viele einsätze hattet ihr 2024", ("Im Jahr 2026 rückten wir zu 4 Einsätzen aus.", 0.90)
    )
    assert answerer.compose(other_year, "de").outcome == "closest"
    assert answerer.compose(other_year, "de", ExtractiveParams(year_agreement=False)).outcome == "answer"
    for text in ("Im Jahr 2024 rückten wir zu 12 Einsätzen aus.", "Wir rückten zu 12 Einsätzen aus."):
        # the asked year, or no year at all: answered
        assert (
            answerer.compose(scored("wie viele einsätze hattet ihr 2024", (text, 0.90)), "de").outcome
            == "answer"
        )
    # an amount is no year ("2000 Euro")
    amount = scored("wie hoch war der zuschuss 2024", ("Der Zuschuss betrug 2000 Euro.", 0.90))
    assert answerer.compose(amount, "de").outcome == "answer"


def test_the_keyword_only_answer_checks_the_fact_and_the_year_too() -> None:
    """Without an embedder (keywords alone rank the sentences) the same two checks decide the outcome."""
    answerer = ExtractiveAnswerer()  # no embedder
    hits = [hit("Im Jahr 2026 rückten wir zu 4 Einsätzen aus.")]
    assert answerer("Wie viele Einsätze hattet ihr 2026?", hits, "de").outcome == "answer"
    assert answerer("Wie viele Einsätze hattet ihr 2024?", hits, "de").outcome == "closest"
    lenient = ExtractiveAnswerer(params=ExtractiveParams(year_agreement=False))
    assert lenient("Wie viele Einsätze hattet ihr 2024?", hits, "de").outcome == "answer"
    topic = [hit("Ohne Protestgebühr gilt der Protest als nicht eingelegt.")]
    assert answerer("Wie hoch ist die Protestgebühr?", topic, "de").outcome == "closest"
    assert (
        ExtractiveAnswerer(params=ExtractiveParams(answer_type=False))(
            "Wie hoch ist die Protestgebühr?", topic, "de"
        ).outcome
        == "answer"
    )


def test_a_quote_that_only_repeats_the_question_answers_nothing() -> None:
    """pep-dortmund's "wo war die sommerakademie 2024" was answered confidently with its link texts
    ("Sommerakademie 2024"): a sentence made of the question's words only is no answer (novelty)."""
    question = "wo war die sommerakademie 2024"
    asked = set(Bm25Encoder().tokens(question))
    answerer = ExtractiveAnswerer()
    both = scored(
        question, ("Sommerakademie 2024", 0.92), ("Die Sommerakademie 2024 fand bei Nijmegen statt.", 0.90)
    )
    both.asked = asked
    answer = answerer.compose(both, "de")
    assert answer.outcome == "answer" and "Nijmegen" in answer.text
    assert "> Sommerakademie 2024 [" not in answer.text
    title_only = scored(question, ("Sommerakademie 2024", 0.92))
    title_only.asked = asked
    assert answerer.compose(title_only, "de").outcome == "closest"
    assert answerer.compose(title_only, "de", ExtractiveParams(novelty=False)).outcome == "answer"
    # without an embedder too: the bare title is no answer, the sentence that says more is
    keywords = ExtractiveAnswerer()
    assert keywords(question, [hit("Sommerakademie 2024")], "de").outcome == "closest"
    with_answer = keywords(
        question, [hit("Sommerakademie 2024"), hit("Die Sommerakademie 2024 fand bei Nijmegen statt.")], "de"
    )
    assert with_answer.outcome == "answer" and "> Sommerakademie 2024 [" not in with_answer.text


def test_the_newest_version_rule_does_not_bring_a_bare_title_back() -> None:
    """The newest-version rule swaps a quote for the same statement from a newer document; a newer bare title
    ("Sommerakademie 2024", a link text on the 2025 news page) shares the quote's words but says nothing."""
    question = "wo war die sommerakademie 2024"
    answerer = ExtractiveAnswerer()
    candidates = scored(
        question,
        ("Sommerakademie 2024; Homepage der Unterkunft bei Nijmegen", 0.92),
        ("Sommerakademie 2024", 0.91),
    )
    candidates.candidates[0].date = date(2024, 3, 1)
    candidates.candidates[1].date = date(2025, 1, 10)
    candidates.asked = set(Bm25Encoder().tokens(question))
    answer = answerer.compose(candidates, "de")
    assert answer.outcome == "answer" and "Nijmegen" in answer.text
    assert "> Sommerakademie 2024 [" not in answer.text
