"""PDF -> markdown per page: reading order, tables, OCR of scans, page numbers, malformed input."""

from __future__ import annotations

import os
import re

import pymupdf
import pytest

from auskunft.errors import ExtractionError
from auskunft.extract.extractor import MAX_BYTES, extract_content
from auskunft.extract.pdf import pdf_to_pages
from tests.conftest import DEMO_SITE

DOCS = DEMO_SITE / "dokumente"


def pages_of(name: str, **kw):  # noqa: ANN003, ANN202
    return pdf_to_pages((DOCS / name).read_bytes(), **kw)


def test_two_columns_read_left_column_first() -> None:
    title, pages = pages_of("satzung.pdf")
    assert title == "Satzung des Deutschen Kanupolo-Verbandes e.V."
    assert [p.number for p in pages] == [1, 2, 3] and not any(p.ocr for p in pages)
    md = pages[0].markdown
    # left column: §§ 1-3, right column: §§ 4-6; a line-by-line reading would interleave them
    positions = [md.index(f"§ {n} ") for n in range(1, 7)]
    assert positions == sorted(positions)
    assert "Der Verband führt den Namen Deutscher Kanupolo-Verband e.V. Er hat seinen Sitz in Duisburg" in md
    assert "zwei Dritteln der abgegebenen Stimmen" in " ".join(pages[1].markdown.split())
    assert "Deutschen Olympischen Sportbund" in pages[2].markdown and "Sportbund" not in pages[1].markdown
    assert re.search(r"^#+ .*Satzung", md, re.M)  # the title is a heading


def test_table_becomes_markdown_table_on_its_page() -> None:
    _, pages = pages_of("beitragsordnung-2026.pdf")
    table = pages[0].markdown
    rows = [line for line in table.splitlines() if line.startswith("|")]
    assert len(rows) >= 7  # header, rule, 5 fee rows
    assert re.search(r"^\|-+\|-+\|$", table, re.M)
    assert any(re.fullmatch(r"\|\s*Einzelmitglied\s*\|\s*48 Euro\s*\|", r) for r in rows)
    assert any("mehr als 200 Mitgliedern" in r and "480 Euro" in r for r in rows)
    assert "Mahngebühr von 10 Euro" in pages[1].markdown and "Mahngebühr" not in table


def test_scan_is_ocrd_with_umlauts() -> None:
    _, pages = pages_of("protokoll-mv-2025.pdf")
    assert len(pages) == 1 and pages[0].ocr and pages[0].number == 1
    text = pages[0].markdown
    for word in (
        "Mitgliederversammlung",
        "Göttingen",
        "143 Delegierte",
        "Würzburg",
        "März",
        "Präsidentin",
        "großer",
        "418.000 Euro",
        "Schriftführerin",
    ):
        assert word in text, word


def test_scan_without_ocr_is_a_failure_with_reason() -> None:
    with pytest.raises(ExtractionError, match="OCR disabled"):
        pages_of("protokoll-mv-2025.pdf", ocr=False)


def test_umlauts_and_sz_kept() -> None:
    _, pages = pages_of("jugendordnung.pdf")
    text = " ".join(" ".join(p.markdown for p in pages).split())
    for word in (
        "Übungsleiterinnen",
        "Größe einer Trainingsgruppe",
        "Führungszeugnis",
        "höchstens zwölf",
        "Schwimmabzeichen in Bronze",
        "Unter-Zwölfjährige",
    ):
        assert word in text, word
    assert "höchstens zwölf" in pages[1].markdown and "höchstens zwölf" not in pages[0].markdown


def test_mixed_document_ocrs_only_the_scanned_page() -> None:
    doc = pymupdf.open()
    doc.insert_pdf(pymupdf.open(DOCS / "beitragsordnung-2026.pdf"), from_page=0, to_page=0)
    doc.insert_pdf(pymupdf.open(DOCS / "protokoll-mv-2025.pdf"))
    doc.new_page()  # an empty page keeps its place
    doc.insert_pdf(pymupdf.open(DOCS / "jugendordnung.pdf"), from_page=1, to_page=1)
    _, pages = pdf_to_pages(doc.tobytes())
    assert [(p.number, p.ocr) for p in pages] == [(1, False), (2, True), (3, False), (4, False)]
    assert "48 Euro" in pages[0].markdown and "Würzburg" in pages[1].markdown
    assert pages[2].markdown == "" and "Schwimmabzeichen" in pages[3].markdown


def _encrypted() -> bytes:
    doc = pymupdf.open(DOCS / "satzung.pdf")
    return doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="o", user_pw="geheim")


def _no_text() -> bytes:
    doc = pymupdf.open()
    doc.new_page()
    return doc.tobytes()


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: b"", "zero bytes"),
        (lambda: (DOCS / "satzung.pdf").read_bytes()[:700], "unreadable PDF|truncated"),
        (lambda: (DOCS / "jugendordnung.pdf").read_bytes()[:2000], "truncated"),
        (_encrypted, "encrypted"),
        (lambda: b"%PDF-1.7\n" + os.urandom(4000), "unreadable PDF|no pages|broken|no text"),
        (lambda: os.urandom(3000), "not a PDF"),
        (_no_text, "no text in PDF"),
    ],
)
def test_malformed_pdfs_raise_extraction_error(make, reason: str) -> None:  # noqa: ANN001
    with pytest.raises(ExtractionError, match=reason):
        pdf_to_pages(make())


def test_limits_pages_size_time() -> None:
    body = (DOCS / "satzung.pdf").read_bytes()
    with pytest.raises(ExtractionError, match="3 pages \\(limit 2\\)"):
        pdf_to_pages(body, max_pages=2)
    with pytest.raises(ExtractionError, match="time budget"):
        pdf_to_pages(body, time_budget_s=0)
    big = b"%PDF-1.4\n" + b"0" * (MAX_BYTES + 1)  # over the limit: refused before any parsing
    with pytest.raises(ExtractionError, match="too large"):
        extract_content("pdf", big)
