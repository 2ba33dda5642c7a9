"""Words a PDF table's column borders cut, joined again (auskunft.extract.pdfcells). The rows have the shapes
pymupdf4llm gives a timetable's section headings, a note running across the columns and a header spanning two
columns (tsv-zorneding's timetable, sportschuetzen-teufenthal's rankings); the words are made up here."""

from __future__ import annotations

import pytest

from auskunft.extract.pdfcells import join_cut_table_words, join_cut_words

pytest.importorskip("wordfreq")


@pytest.mark.parametrize(
    ("row", "joined"),
    [
        # a section heading over the columns: the word whole, the cells as many as before
        ("|**Volleyb**|**all Damen**|||**VB**|", "|**Volleyball**|**Damen**|||**VB**|"),
        ("|**Leichta**|**thletik**|||**LA**|", "|**Leichtathletik**||||**LA**|"),
        # a note across the columns, cut three times
        (
            "|Teilnahm|e an allen Kursen - A|ngeboten für N|ichtmitglieder möglich||",
            "|Teilnahme|an allen Kursen - Angeboten|für Nichtmitglieder|möglich||",
        ),
        # a header cell spanning two columns
        ("|Rang|Name|Jahrg|ang|Verein|Punkte|", "|Rang|Name|Jahrgang||Verein|Punkte|"),
        ("|Gesamtp|unkte|12|Schnitt|96.6|", "|Gesamtpunkte||12|Schnitt|96.6|"),
    ],
)
def test_a_word_cut_by_a_column_border_is_whole_again(row: str, joined: str) -> None:
    assert join_cut_words(row) == joined


@pytest.mark.parametrize(
    "row",
    [
        "|Di|16:00 - 17:30|SH|ab 6 J.|Meier|",  # "SH" and "ab" are two words
        "|in|dem|Raum|",  # so are "in" and "dem", and "indem" is no commoner
        "|Hochbrück|25|Netzeinspeisung|s.u.|",  # an abbreviation goes on after the letter
        "|Mi|19:00 - 20:30|Freies Spiel|Meier|",  # nothing cut
        "|Aufdeckung und|g|in deiner Arbeit|",  # a letter before a word is no cut word
        "|SV|X||b|",  # nor two letters
        "| --- | --- |",
    ],
)
def test_cells_of_separate_words_stay(row: str) -> None:
    assert join_cut_words(row) == row


def test_only_table_rows_of_a_page_change() -> None:
    page = (
        "# Übungsprogramm\n\nDie Halle ist ab 8 Uhr offen.\n\n|Tag|Zeit|\n|---|---|\n|**Volleyb**|**all**|\n"
    )
    assert join_cut_table_words(page) == page.replace("|**Volleyb**|**all**|", "|**Volleyball**||")
