"""Text defects of real sites (issue 20): each on a real PDF made here with PyMuPDF or a real HTML page."""

from __future__ import annotations

import pymupdf
import pytest

from auskunft.chat.extractive.sentences import sentences
from auskunft.extract.cleanup import drop_toc, join_hyphenation, repair_links, strip_inline_html
from auskunft.extract.extractor import extract_document
from auskunft.extract.html import html_content
from auskunft.extract.links import collect_link_texts
from auskunft.extract.pdf import pdf_content
from auskunft.extract.titles import clean_link_text, looks_like_filename
from auskunft.index.chunking import BOILERPLATE_HEADING, chunk_document
from auskunft.models import CrawlManifest, CrawlRecord, Document, sha256_bytes, utcnow

ORIGIN = "https://verein.test"


def _pdf(lines: list[tuple[float, float, str, float]], *, title: str = "", scan: bool = False) -> bytes:
    """A one-page PDF with text at (x, y) in the given font size; `scan`: the page as an image only."""
    doc = pymupdf.open()
    page = doc.new_page()
    for x, y, text, size in lines:
        page.insert_text((x, y), text, fontsize=size)
    if scan:
        pix = page.get_pixmap(dpi=200)
        doc = pymupdf.open()
        doc.new_page().insert_image(pymupdf.Rect(0, 0, 595, 842), pixmap=pix)
    if title:
        doc.set_metadata({"title": title})
    return doc.tobytes()


def _column(x: float, y: float, texts: list[str], size: float = 11, step: float = 15) -> list:
    return [(x, y + i * step, t, size) for i, t in enumerate(texts)]


def _record(path: str, body: bytes) -> CrawlRecord:
    ctype = "application/pdf" if path.endswith(".pdf") else "text/html"
    return CrawlRecord(
        url=ORIGIN + path, source="v", status="new", content_type=ctype, sha256=sha256_bytes(body)
    )


def _quotes(doc: Document) -> list[str]:
    """Sentences of the document's content chunks (its letterhead forms a chunk of its own)."""
    chunks = [c for c in chunk_document(doc) if BOILERPLATE_HEADING not in c.heading_path]
    return [s for c in chunks for s, _ in sentences(c.text)]


# ------------------------------------------------------------------------------------------- hyphenation
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dass dies bedeu- tet, dass", "dass dies bedeutet, dass"),
        ("alle Leh-\nrerinnen und Lehrer", "alle Lehrerinnen und Lehrer"),
        ("in den letzten Monaten ver-\n\nstärkt an", "in den letzten Monaten verstärkt an"),  # column break
        ("Bitte Vor- und Nachname angeben", "Bitte Vor- und Nachname angeben"),
        ("Ein- und Ausgang, Ein- bis zweimal", "Ein- und Ausgang, Ein- bis zweimal"),
        ("Säulen- u. Stützenbau", "Säulen- u. Stützenbau"),
        ("Die E- Mail-Adresse und die E-Mail", "Die E-Mail-Adresse und die E-Mail"),
        ("US- amerikanisch", "US-amerikanisch"),
        ("die Mitglieder-Vollversamm- lung", "die Mitglieder-Vollversammlung"),
        ("Trenn\u00adstrich", "Trennstrich"),
    ],
)
def test_line_end_hyphenation_joined_enumerations_and_compounds_kept(text: str, expected: str) -> None:
    assert join_hyphenation(text) == expected


def test_lexicon_keeps_hyphen_after_adjective_when_joined_word_is_unknown() -> None:
    pytest.importorskip("wordfreq")
    assert (
        join_hyphenation("die deutsch- französische Freundschaft") == "die deutsch-französische Freundschaft"
    )
    assert join_hyphenation("Geld wird abge- bucht") == "Geld wird abgebucht"


def test_scanned_letter_ocr_joins_hyphenated_words() -> None:
    """tesseract reads lines and ocr.py joins them with a space: 'bedeu- tet' unless cleaned."""
    body = _pdf(
        _column(
            72,
            100,
            [
                "Die Mitgliederversammlung hat beschlossen, was dies bedeu-",
                "tet: Alle Leh-",
                "rerinnen erhalten Vor- und Nachname der Ansprechpartner.",
            ],
            size=13,
            step=20,
        ),
        scan=True,
    )
    page = pdf_content(body).pages[0]
    assert page.ocr
    text = " ".join(page.markdown.split())
    assert "bedeutet" in text and "Lehrerinnen" in text and "Vor- und Nachname" in text
    assert "- " not in text.replace("Vor- und", "")


# ------------------------------------------------------------------------------------------- inline HTML
def test_html_escaped_twice_leaves_no_tags_or_entities() -> None:
    page = (
        b"<html><head><title>Hinweise</title></head><body><main><h1>Hinweise</h1>"
        b"<p>Bitte keinen &lt;u&gt;Kreidestaub&lt;/u&gt; an der Tafel&lt;br&gt;lassen &amp;amp; l&amp;uuml;ften.</p>"
        b"<p>Platzhalter wie &lt;Vorname&gt; bleiben stehen.</p></main></body></html>"
    )
    md = html_content(page).markdown
    assert "Bitte keinen Kreidestaub an der Tafel lassen & lüften." in md
    assert "<u>" not in md and "&amp;" not in md and "<br>" not in md
    assert "<Vorname>" in md


def test_pdf_text_and_table_cells_leave_no_tags() -> None:
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), "Wir bitten um <u>Kreidestaub</u> &amp; Tafeln. Fläche 20 m<sup>2</sup>.")
    y = 120
    for a, b in [("Amt", "Name"), ("Vorsitz", "Max Muster\nMusterweg 1"), ("Kasse", "Eva Zahl")]:
        for x0, x1, text in ((72, 250, a), (250, 450, b)):
            rect = pymupdf.Rect(x0, y, x1, y + 40)
            page.draw_rect(rect)
            assert page.insert_textbox(rect + (4, 4, -4, -4), text, fontsize=10) >= 0
        y += 40
    md = pdf_content(doc.tobytes(), ocr=False).pages[0].markdown
    assert "Wir bitten um Kreidestaub & Tafeln. Fläche 20 m²." in md
    assert "<br>" not in md and "<u>" not in md
    assert any("Max Muster" in line for line in md.splitlines() if line.startswith("|"))
    assert strip_inline_html("|Vorsitz|Max Muster<br>Musterweg 1|") == "|Vorsitz|Max Muster Musterweg 1|"
    assert strip_inline_html("`<b>code</b>` und <b>fett</b>") == "`<b>code</b>` und fett"


# -------------------------------------------------------------------------------------- table of contents
def test_table_of_contents_with_dot_leaders_is_not_content() -> None:
    lines = [(72, 80, "Satzung des Fördervereins", 18), (72, 120, "Inhaltsverzeichnis", 14)]
    lines += _column(
        72, 145, [f"§{n} {t} {'.' * 50} {p}" for n, t, p in [(1, "Name", 2), (9, "Auflösung", 5)]]
    )
    lines += [
        (72, 220, "§1 Name", 14),
        (72, 240, "Der Verein führt den Namen Förderverein Musterschule.", 11),
    ]
    lines += [(72, 270, "§9 Auflösung", 14), (72, 290, "Bei Auflösung fällt das Vermögen an die Stadt.", 11)]
    body = _pdf(lines)
    doc = extract_document(_record("/satzung.pdf", body), body)
    assert "....." not in doc.markdown and "Inhaltsverzeichnis" not in doc.markdown
    assert "Bei Auflösung fällt das Vermögen an die Stadt." in doc.markdown
    assert not any("...." in q for q in _quotes(doc))
    assert drop_toc("Einleitung …… iv\n\nText.") == "Text."


# ------------------------------------------------------------------------------------ markdown link residue
def test_teaser_links_around_paragraphs_leave_no_link_syntax_in_quotes() -> None:
    page = (
        "<html><head><title>Aktuelles</title></head><body><main><h1>Aktuelles</h1>"
        '<a class="card" href="/stellung.pdf"><h3>Anhörung</h3><p>Der Vorstand hat die Satzung geprüft. '
        "Zur geplanten Änderung des Schulgesetzes nehmen wir ausführlich Stellung.</p></a>"
        '<p>Siehe <a href="/x.pdf">Stellungnahme [PDF]</a> und '
        '<a href="https://de.wikipedia.org/wiki/Verein_(Recht)">Verein (Recht)</a>.</p>'
        '<video controls><source src="/film.mp4" type="video/mp4"></video></main></body></html>'
    ).encode()
    body = page
    doc = extract_document(_record("/aktuelles/", body), body)
    quotes = _quotes(doc)
    assert any(q.endswith("nehmen wir ausführlich Stellung.") for q in quotes)
    assert not any("](" in q or "[" in q or "]" in q for q in quotes), quotes
    assert "[Stellungnahme (PDF)](https://verein.test/x.pdf)" in doc.markdown
    assert "(https://de.wikipedia.org/wiki/Verein_%28Recht%29)" in doc.markdown
    assert repair_links("…Stellung.](https://verein.test/a.pdf)\n\n[ok](b)") == "…Stellung.\n\n[ok](b)"


# ------------------------------------------------------------------------------------- file-name titles
def test_file_name_headings_and_metadata_lose_to_the_first_title_line() -> None:
    lines = [(72, 60, "Stellungnahme_anhoerung_iqb_v02f.docx", 8)]
    lines += [(72, 100, "Stellungnahme zur Anhörung des IQB", 11)]
    lines += _column(
        72, 130, ["Wir begrüßen die Möglichkeit, zum Entwurf Stellung zu nehmen.", "Im Einzelnen:"]
    )
    body = _pdf(lines, title="Stellungnahme anhoerung iqb v02f")
    doc = extract_document(_record("/dokumente/Stellungnahme_anhoerung_iqb_v02f.pdf", body), body)
    assert (doc.title, doc.title_source) == ("Stellungnahme zur Anhörung des IQB", "first-line")
    md = "# 2023_05_Protokoll_final.pdf\n\nProtokoll"
    from auskunft.extract.cleanup import dehead_filenames

    assert dehead_filenames(md) == "2023_05_Protokoll_final.pdf\n\nProtokoll"
    for name in ("2023_05_Protokoll_final.pdf", "Stellungnahme anhoerung iqb v02f", "Bericht_2024"):
        assert looks_like_filename(name), name
    assert not looks_like_filename("Protokoll der Mitgliederversammlung 2023")


# ---------------------------------------------------------------------------------------- board tables
def test_pdf_board_list_in_two_columns_keeps_office_and_name_together() -> None:
    offices = ["Vorsitzender", "Stellv. Vorsitzende", "Kassierer", "Schriftführerin"]
    names = ["Max Muster", "Erika Beispiel", "Hans Geld", "Paula Feder"]
    lines = [(72, 80, "Der Vorstand", 16)] + _column(72, 120, offices) + _column(300, 120, names)
    md = pdf_content(_pdf(lines), ocr=False).pages[0].markdown
    for office, name in zip(offices, names, strict=True):
        assert f"{office}: {name}" in md, md


def test_html_board_tables_lists_and_grids_keep_office_and_name_together() -> None:
    page = b"""<html><head><title>Vorstand</title></head><body><main><h1>Vorstand</h1>
    <table><tr><td>Vorsitzender</td><td>Max Muster</td></tr><tr><td>Kassiererin</td><td>Eva Zahl</td></tr></table>
    <dl><dt>Schriftf\xc3\xbchrer</dt><dd>Paul Feder</dd><dt>Beisitzerin</dt><dd>Ina Rat</dd></dl>
    <div class="team"><div class="row"><span class="role">Jugendwart</span><span class="name">Tim Jung</span></div>
    <div class="row"><span class="role">Pressewartin:</span><span class="name">Lea Laut</span></div></div>
    <table><thead><tr><th>Termin</th><th>Ort</th></tr></thead><tr><td>12. M\xc3\xa4rz</td><td>Vereinsheim</td></tr></table>
    </main></body></html>"""
    md = html_content(page).markdown
    for pair in (
        "Vorsitzender: Max Muster",
        "Kassiererin: Eva Zahl",
        "Schriftführer: Paul Feder",
        "Beisitzerin: Ina Rat",
        "Jugendwart: Tim Jung",
        "Pressewartin: Lea Laut",
    ):
        assert pair in md, md
    assert "| Termin | Ort |" in md  # a table with a header stays a table


# ------------------------------------------------------------------------------------------- letterhead
def test_single_letter_letterhead_is_boilerplate_not_quoted() -> None:
    lines = [
        (72, 50, "Förderverein Musterschule e.V. · Schulweg 5 · 35578 Wetzlar", 9),
        (72, 62, "Tel. 06441 12345 · vorstand@foerderverein-musterschule.de", 9),
        (72, 120, "An alle Mitglieder", 11),
        (72, 160, "Einladung zur Mitgliederversammlung 2025", 14),
        (72, 190, "Sehr geehrte Mitglieder,", 11),
        (72, 210, "die Mitgliederversammlung findet am 12. März 2025 um 19 Uhr im Vereinsheim statt.", 11),
        (72, 230, "Anträge bitte bis zum 1. März schriftlich an den Vorstand.", 11),
        (72, 800, "IBAN DE12 5135 0025 0000 1234 56 · Amtsgericht Wetzlar VR 1234", 8),
    ]
    body = _pdf(lines)
    doc = extract_document(_record("/einladung-mv-2025.pdf", body), body)
    assert "Schulweg 5" not in doc.markdown and "IBAN" not in doc.markdown and "Tel." not in doc.markdown
    assert any("Schulweg 5" in b for b in doc.boilerplate) and any("IBAN" in b for b in doc.boilerplate)
    assert "findet am 12. März 2025 um 19 Uhr im Vereinsheim statt" in doc.markdown
    assert not any("Schulweg" in q or "@" in q for q in _quotes(doc))


# ----------------------------------------------------------------------------------- generic link texts
def test_link_text_shared_by_many_targets_or_naming_the_file_type_is_no_title() -> None:
    items = "".join(
        f'<li>Pressemitteilung {n}: <a href="/presse/pm-{n}.pdf">PDF-Datei (Original-Pressemitteilung)</a></li>'
        for n in range(1, 4)
    )
    page = (
        f"<html><body><ul>{items}</ul>"
        "<button onclick=\"window.open('/presse/jahresbericht.pdf')\">Jahresbericht 2024</button>"
        '<a href="/presse/pm-1.pdf">Neue Öffnungszeiten der Geschäftsstelle</a></body></html>'
    ).encode()
    raw = {sha256_bytes(page): page}
    recs = [_record("/presse/", page)] + [
        CrawlRecord(url=f"{ORIGIN}/presse/{name}.pdf", source="v", status="new")
        for name in ("pm-1", "pm-2", "pm-3", "jahresbericht")
    ]
    manifest = CrawlManifest(source="v", run_id="r", started_at=utcnow(), records=recs)
    links = collect_link_texts(manifest, raw.__getitem__)
    assert links[f"{ORIGIN}/presse/pm-1.pdf"] == ["Neue Öffnungszeiten der Geschäftsstelle"]
    assert f"{ORIGIN}/presse/pm-2.pdf" not in links
    assert links[f"{ORIGIN}/presse/jahresbericht.pdf"] == ["Jahresbericht 2024"]  # a button's text counts
    for generic in (
        "PDF-Datei (Original-Pressemitteilung)",
        "Word-Dokument",
        "Download (PDF, 2 MB)",
        "Download als PDF",
        "hier",
    ):
        assert clean_link_text(generic) == "", generic
    assert clean_link_text("Satzung (PDF, 120 KB)") == "Satzung"


def test_chunks_never_start_inside_a_link() -> None:
    """dtfb's link list ('[/ 3. Herren-Bundesliga](…)') cut into chunks: the overlap began after "3." inside the
    link text, and the next chunk started with "Herren-Bundesliga](https://…)" (9 of 10 chunks before)."""
    items = "".join(f'<li><a href="#l{n}">/ {n}. Herren-Bundesliga</a></li>' for n in range(1, 120))
    body = (
        "<html><head><title>Ligen</title></head><body><main><h1>Ligen</h1>"
        f"<p>Die Ligen des Verbandes im Überblick.</p><ul>{items}</ul></main></body></html>"
    ).encode()
    chunks = chunk_document(extract_document(_record("/ligen/", body), body))
    assert len(chunks) > 5
    for chunk in chunks:
        assert repair_links(chunk.text) == chunk.text, chunk.text[:200]
