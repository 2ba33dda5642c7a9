"""Words a PDF draws apart without a space character are read as words (extract/pdfspaces.py), on a real page
(datasets/pdf-samples) and on pages that must stay as they are."""

from __future__ import annotations

from pathlib import Path

import pymupdf

from auskunft.extract.pdf import pdf_to_pages
from auskunft.extract.pdfspaces import _add, respace

SAMPLES = Path(__file__).resolve().parents[2] / "datasets" / "pdf-samples"


def test_words_drawn_apart_are_spaced_on_a_real_page() -> None:
    _, pages = pdf_to_pages((SAMPLES / "pep-jhv-2018-page5.pdf").read_bytes(), ocr=False)
    text = " ".join(pages[0].markdown.split())
    assert (
        "2016 auf 831€, 2017 auf 821€ und 2018 bisher auf 885€. Im Jahr 2017 gingen die Beiträge durch 35"
        in text
    )
    assert "auf831€" not in text and "gingendie" not in text
    # the rest of the page (spaced by MuPDF itself) is untouched
    assert "Die Einnahmen durch Mitgliederbeiträge beziehen sich im Jahr 2014 auf 560€" in text


def _chars(*words: tuple[str, float], size: float = 12) -> list[tuple[str, float, float, float]]:
    """One MuPDF word as (char, x0, x1, font size): each char 6 points wide, `gap` (of the font size) before
    each of `words` but the first."""
    out: list[tuple[str, float, float, float]] = []
    x = 0.0
    for word, gap in words:
        x += gap * size
        for c in word:
            out.append((c, x, x + 6, size))
            x += 6
    return out


def test_only_gaps_wider_than_a_word_space_split() -> None:
    fixes: dict[str, str] = {}
    # 0.15 of the font size apart: a space; 0.04 (kerning, justified letters): none; none before ":"
    _add(fixes, _chars(("Mitglieder", 0), ("zahlen", 0.15), ("ihren", 0.04), ("Beitrag", 0.15), (":", 0.15)))
    assert fixes == {"MitgliederzahlenihrenBeitrag:": "Mitglieder zahlenihren Beitrag:"}


def test_letter_spaced_text_addresses_and_short_runs_stay() -> None:
    fixes: dict[str, str] = {}
    _add(fixes, _chars(*[(c, 0.2) for c in "Gesperrt"]))  # letter-spaced
    _add(fixes, _chars(("https://", 0), ("www.", 0.2), ("example.de", 0.2)))
    _add(fixes, _chars(("im", 0), ("Ort", 0.2)))  # too short to be replaced safely
    assert fixes == {}


def test_pages_without_runs_are_returned_as_they_are() -> None:
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 100), "Der Vorstand lädt ein.", fontsize=12)
    assert respace(page, "Der Vorstand lädt ein.") == "Der Vorstand lädt ein."
    doc.close()
