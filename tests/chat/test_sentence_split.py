"""The candidate sentences of the offline answer on real text: a full stop after an abbreviation (from SoMaJo's
German lists) does not end a sentence, and a line that ends in a word no sentence ends with is wrapped.

Quoted text: pep-dortmund.org (MIT, "Copyright (c) 2014 PeP et al. e.V.", see datasets/sites/pep-dortmund)."""

from __future__ import annotations

import pytest

from auskunft.chat.extractive.sentences import sentences
from auskunft.text.abbreviations import ends_with_abbreviation

# stipendien/initiativ.html as extracted (hard-wrapped lines)
INITIATIV = (
    "Eine Bewerbung ist möglich, wenn Du an der Technischen Universität Dortmund als\n"
    "Studentin oder Student eingeschrieben bist und Physik, Medizinphysik oder Physik auf Lehramt\n"
    "studierst.\n\n"
    "Die Bewerbung erfolgt schriftlich an PeP et al. e.V.. Genauere Informationen zu\n"
    "Bewerbungsunterlagen und Anschrift sind unter folgendem Link zu finden.\n\n"
    "Informationen zur Bewerbung auf ein\n"
    "Initiativstipendium\n\n"
    "Die Förderung durch das Begabtenförderungsprogramm ist unabhängig von einer\n"
    "Mitgliedschaft im Alumniverein, sodass Nichtmitglieder keinerlei Nachteile\n"
    "haben."
)


def test_an_organisations_name_with_abbreviations_stays_in_its_sentence() -> None:
    found = [s for s, _ in sentences(INITIATIV)]
    assert "Die Bewerbung erfolgt schriftlich an PeP et al. e.V.." in found
    assert not any(s.startswith("e.V.") for s in found)
    # the sentence after it is whole too (before: cut at "et al." and the rest lost under 15 characters)
    assert (
        "Genauere Informationen zu Bewerbungsunterlagen und Anschrift sind unter folgendem Link zu finden."
        in found
    )


def test_a_line_ending_in_an_article_goes_on_in_the_next() -> None:
    found = [s for s, _ in sentences(INITIATIV)]
    assert "Informationen zur Bewerbung auf ein Initiativstipendium" in found
    assert not any(s.endswith("auf ein") for s in found)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the letterhead of the initiative scholarship's application form (a PDF)
        (
            "PeP et al. e.V. Christian Arauner P2-01-423\n\n"
            "Technische Universität Dortmund Otto-Hahn-Str. 4 44221 Dortmund",
            [
                "PeP et al. e.V. Christian Arauner P2-01-423",
                "Technische Universität Dortmund Otto-Hahn-Str. 4 44221 Dortmund",
            ],
        ),
        (
            "Ab Jan. 2024 gilt der neue Beitrag. Er wird im März fällig.",
            ["Ab Jan. 2024 gilt der neue Beitrag.", "Er wird im März fällig."],
        ),
        (
            "Die Sitzung findet am Mo. 12. Mai statt. Sie dauert zwei Stunden.",
            ["Die Sitzung findet am Mo. 12. Mai statt.", "Sie dauert zwei Stunden."],
        ),
        (
            "Wir sammeln Flaschen, Dosen usw. Der Erlös geht an die Jugend.",
            ["Wir sammeln Flaschen, Dosen usw.", "Der Erlös geht an die Jugend."],
        ),
    ],
)
def test_abbreviations_from_the_resource(text: str, expected: list[str]) -> None:
    assert [s for s, _ in sentences(text)] == expected


def test_the_abbreviation_check() -> None:
    assert ends_with_abbreviation("an PeP et al.", "e.V.")
    assert ends_with_abbreviation("Tel.", "0231")
    assert ends_with_abbreviation("(vgl.", "S.")
    assert ends_with_abbreviation("Art.", "3")  # an article of a law, which the resource lacks
    assert ends_with_abbreviation("Äpfel usw.", "und")
    # "usw." often ends a sentence: before a capital it does
    assert not ends_with_abbreviation("Äpfel usw.", "Der")
    assert not ends_with_abbreviation("Das ist halt so.", "Der")
    assert not ends_with_abbreviation("Im Haus.", "Der")
