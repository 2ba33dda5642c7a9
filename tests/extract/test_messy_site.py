"""Real-site defects on datasets/messy-site: letterheads, outlined text, strike marks, titles, dates, listings."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pymupdf
import pytest

from auskunft.crawl import RawStore
from auskunft.evaluation.datasets import load_qa
from auskunft.extract import DocumentStore, extract_document
from auskunft.extract.extractor import strip_store_boilerplate
from auskunft.extract.pdf import pdf_content
from auskunft.models import CrawlManifest, CrawlRecord, sha256_bytes, utcnow
from tests.support.extraction import extract_run

SITE = Path(__file__).resolve().parents[2] / "datasets" / "messy-site"
ORIGIN = "http://localhost:8766"
PHONE_NEW = "06441 555-1730"
PHONE_OLD = "06441 555-2041"


def url_of(rel: str) -> str:
    return ORIGIN + quote(rel)


def file_of(url: str) -> Path:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == ORIGIN, url
    path = SITE / unicodedata.normalize("NFC", unquote(parts.path)).lstrip("/")
    return path / "index.html" if parts.path.endswith("/") else path


def record(rel: str, body: bytes, **kw: object) -> CrawlRecord:
    ctype = "application/pdf" if rel.endswith(".pdf") else "text/html"
    return CrawlRecord(
        url=url_of(rel), source="messy", status="new", content_type=ctype, sha256=sha256_bytes(body), **kw
    )  # type: ignore[arg-type]


def run_manifest(rels: list[str], tmp: Path) -> DocumentStore:
    raw = RawStore(tmp / "raw")
    recs = []
    for rel in rels:
        body = file_of(url_of(rel)).read_bytes()
        raw.put(body)
        recs.append(record(rel, body))
    manifest = CrawlManifest(source="messy", run_id="r", started_at=utcnow(), records=recs)
    report = extract_run(manifest, tmp)
    assert not report.failures and report.extracted == len(rels)
    return DocumentStore(tmp / "docs")


LETTERS = [
    "/archiv/Einladung_MV_2024.pdf",
    "/dokumente/Einladung_MV_2025_final.pdf",
    "/dokumente/Mitteilung_Beitragsänderung.pdf",
    "/dokumente/Stellungnahme_Bebauungsplan-47_V002-final.pdf",
    "/dokumente/Pressemitteilung_Sommerfest_2025.pdf",
]


# ------------------------------------------------------------------------------------------ QA set
def test_messy_qa_set_is_complete_and_points_at_the_site() -> None:
    items = load_qa("messy-site")
    assert len(items) >= 60 and len({i.id for i in items}) == len(items)
    assert sum(not i.answerable for i in items) >= 10
    assert all(i.gold_urls and i.reference_answer for i in items if i.answerable)
    assert all(not i.gold_urls for i in items if not i.answerable)
    for item in items:
        for url in item.gold_urls:
            assert file_of(url).is_file(), f"{item.id}: {url} is not in datasets/messy-site"
        for gold in item.gold_pages:
            assert gold.url in item.gold_urls and gold.page is not None, item.id
            with pymupdf.open(file_of(gold.url)) as pdf:
                text = " ".join(pdf[gold.page - 1].get_text().split())
            if not text:
                continue  # outlined text: its answer comes through OCR
            for number in re.findall(r"\d+(?:[.,]\d+)?", item.reference_answer):
                assert number in text, f"{item.id}: {number!r} not on {gold.url} page {gold.page}"


def test_currency_questions_name_only_the_current_pages() -> None:
    by_q = {i.question: i for i in load_qa("messy-site")}
    chair = by_q["Wer ist Vorsitzende des Bürgervereins Lindenhof?"]
    assert "Schäfer" in chair.reference_answer and not any("archiv" in u for u in chair.gold_urls)
    phone = by_q["Wie lautet die Telefonnummer der Geschäftsstelle?"]
    assert PHONE_NEW in phone.reference_answer
    for url in phone.gold_urls:
        assert PHONE_NEW in file_of(url).read_text(encoding="utf-8")
    assert PHONE_OLD in (SITE / "archiv" / "vorstand-2021.html").read_text(encoding="utf-8")  # the stale copy


# ------------------------------------------------------------------------------------ letterheads
def test_letterhead_and_page_footer_leave_every_page_of_a_letter() -> None:
    content = pdf_content((SITE / "dokumente" / "Spendenaufruf_Winter_2025.pdf").read_bytes())
    assert len(content.pages) == 2
    for page in content.pages:
        assert PHONE_NEW not in page.markdown and "IBAN" not in page.markdown
        assert not re.search(r"Seite \d von \d", page.markdown)
    assert any(PHONE_NEW in line for line in content.boilerplate)  # kept once, as metadata
    assert any("IBAN DE02" in line for line in content.boilerplate)
    assert not any(re.search(r"Seite \d", line) for line in content.boilerplate)
    assert "4.500 Euro" in content.pages[0].markdown and "Emre Kaya" in content.pages[1].markdown


def test_running_header_of_a_paged_document_is_removed() -> None:
    content = pdf_content((SITE / "dokumente" / "Satzung-überarbeitet_V002.pdf").read_bytes())
    assert content.boilerplate == ["Bürgerverein Lindenhof e.V. · Satzung (Fassung vom 14. März 2025)"]
    assert all("Fassung vom" not in p.markdown for p in content.pages)
    assert "§ 4 Austritt" in content.pages[0].markdown and "§ 9 Auflösung" in content.pages[1].markdown


def test_letterhead_shared_by_single_page_letters_leaves_them_once_per_source(tmp_path: Path) -> None:
    store = run_manifest(LETTERS, tmp_path)
    docs = list(store.iter_source("messy"))
    assert len(docs) == len(LETTERS)
    for doc in docs:
        assert PHONE_OLD not in doc.markdown, doc.url
        assert "Vereinsregister" not in doc.markdown and "Gartenstraße 14" not in doc.markdown, doc.url
        assert any(PHONE_OLD in line for line in doc.boilerplate), doc.url
        assert doc.markdown.count("#") >= 1  # headings are never boilerplate
    texts = {d.url: d.markdown for d in docs}
    assert "Gaststätte Zur Linde" in texts[url_of(LETTERS[0])]
    assert "1,5 Hektar" in texts[url_of(LETTERS[3])]
    assert strip_store_boilerplate(store, "messy") == []  # a second pass finds nothing more


def test_site_wide_contact_box_leaves_html_pages_but_page_content_stays(tmp_path: Path) -> None:
    pages = ["/kontakt/", "/verein/", "/verein/vorstand.html", "/mitglied-werden.html", "/verein/geschichte.html",
             "/aktuelles/2025-06-sommerfest.html", "/newsletter/2025-07.html"]  # fmt: skip
    store = run_manifest(pages, tmp_path)
    for doc in store.iter_source("messy"):
        assert "Spendenkonto" not in doc.markdown and "Sprechzeiten der Geschäftsstelle" not in doc.markdown
        assert any("Spendenkonto" in line for line in doc.boilerplate)
    kontakt = store.load(
        "messy", next(d.doc_id for d in store.iter_source("messy") if d.url.endswith("/kontakt/"))
    )
    assert kontakt is not None and PHONE_NEW in kontakt.markdown and "Gartenstraße 14" in kontakt.markdown


# ------------------------------------------------------------------------- outlined text, strike marks
def test_outlined_page_is_ocrd_and_strike_marks_from_outlines_are_gone() -> None:
    content = pdf_content((SITE / "dokumente" / "Jahresbericht_2024.pdf").read_bytes())
    first, outlined, overlaid = content.pages
    assert not first.ocr and "Jahresbericht 2024" in first.markdown
    assert outlined.ocr, "a page of glyph outlines (no image) must be OCR'd"
    assert "57 neue Bäume" in outlined.markdown and "12.480 Euro" in outlined.markdown
    assert not overlaid.ocr and "~~" not in overlaid.markdown
    assert "zählte 2024 insgesamt 1.150 Besucherinnen" in overlaid.markdown


def _page_with(draw) -> pymupdf.Page:  # noqa: ANN001
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    draw(page)
    return pymupdf.open("pdf", doc.tobytes())[0]


def test_ocr_decision_reads_the_text_not_the_images() -> None:
    from auskunft.extract.quality import check_page

    blank = _page_with(lambda p: None)
    assert not check_page(blank).needs_ocr  # nothing to read: no OCR time spent
    text = _page_with(
        lambda p: p.insert_textbox(pymupdf.Rect(50, 50, 550, 800), "Der Verein pflegt Bäume. " * 40)
    )
    assert not check_page(text).needs_ocr
    drawn = _page_with(
        lambda p: [
            p.draw_rect(pymupdf.Rect(50, 50 + 12 * i, 300 + i, 58 + 12 * i), fill=(0, 0, 0))
            for i in range(40)
        ]
    )
    check = check_page(drawn)
    assert check.needs_ocr and check.chars == 0  # ink without text, no image on the page
    garbled = "".join(chr(0xE000 + (i * 7) % 90) for i in range(400))
    junk = _page_with(
        lambda p: p.insert_textbox(pymupdf.Rect(50, 50, 550, 800), "Qx7#%&/ 93@!+ ;:_ " * 30 + garbled)
    )
    assert check_page(junk).needs_ocr


def test_real_strike_through_of_whole_words_is_kept() -> None:
    from auskunft.extract.quality import check_page, has_strike_artefacts

    def struck(p: pymupdf.Page) -> None:
        p.insert_text((72, 100), "Der Beitrag beträgt 24 Euro im Jahr.", fontsize=12)
        w = pymupdf.get_text_length("Der Beitrag beträgt ", fontsize=12)
        p.draw_line((72 + w, 96), (72 + w + pymupdf.get_text_length("24 Euro", fontsize=12), 96), width=0.8)

    check = check_page(_page_with(struck))
    assert check.strike_artefacts <= 1 and not has_strike_artefacts(check)  # the line may graze a neighbour


# --------------------------------------------------------------------------------------- titles
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://x/dokumente/Satzung-%C3%BCberarbeitet_V002.pdf", "Satzung überarbeitet"),
        ("http://x/Stellungnahme_Bebauungsplan-47_V002-final.pdf", "Stellungnahme Bebauungsplan 47"),
        ("http://x/Protokoll_MV_2025-03-14.pdf", "Protokoll MV 2025-03-14"),
        ("http://x/Beitragsordnung%202026.pdf", "Beitragsordnung 2026"),
        ("http://x/Satzung-u%CC%88berarbeitet(1).pdf", "Satzung überarbeitet"),  # NFD umlaut, copy suffix
    ],
)
def test_file_names_are_cleaned(url: str, expected: str) -> None:
    from auskunft.extract.titles import clean_filename

    assert clean_filename(url) == expected


@pytest.mark.parametrize(
    "meta",
    [
        "Microsoft Word - Stellungnahme_V002",
        "Dokument1",
        "Untitled",
        "Jahresbericht_2024_V7_druck",
        "x.docx",
        "ab",
    ],
)
def test_implausible_metadata_titles_are_rejected(meta: str) -> None:
    from auskunft.extract.titles import plausible

    assert not plausible(meta)


def _bare_pdf(title_meta: str) -> bytes:
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_textbox(
        pymupdf.Rect(72, 72, 500, 700), "Der Vorstand hat beschlossen, die Sprechzeiten zu ändern. " * 5
    )
    doc.set_metadata({"title": title_meta})
    return doc.tobytes()


def test_title_prefers_heading_then_link_text_then_metadata_then_file_name() -> None:
    body = (SITE / "dokumente" / "Stellungnahme_Bebauungsplan-47_V002-final.pdf").read_bytes()
    doc = extract_document(record("/dokumente/Stellungnahme_Bebauungsplan-47_V002-final.pdf", body), body)
    assert doc.title.startswith("Stellungnahme zum Bebauungsplan Nr. 47") and doc.title_source == "heading"
    assert doc.metadata_title == "Microsoft Word - Stellungnahme_V002"

    body = _bare_pdf("Dokument1")  # no heading, junk metadata
    rec = record("/dokumente/Info_Sprechzeiten_V3-final.pdf", body)
    linked = extract_document(rec, body, link_texts=["hier", "Neue Sprechzeiten ab Mai (PDF, 12 KB)"])
    assert (linked.title, linked.title_source) == ("Neue Sprechzeiten ab Mai", "link")
    unlinked = extract_document(rec, body)
    assert (unlinked.title, unlinked.title_source) == ("Info Sprechzeiten", "filename")
    body = _bare_pdf("Änderung der Sprechzeiten")
    meta = extract_document(record("/dokumente/x_1.pdf", body), body)
    assert (meta.title, meta.title_source) == ("Änderung der Sprechzeiten", "metadata")


def test_link_texts_are_collected_through_percent_encoded_and_nfd_hrefs(tmp_path: Path) -> None:
    from auskunft.extract.links import collect_link_texts

    html = (
        '<html><body><a href="/dokumente/Satzung-%C3%BCberarbeitet_V002.pdf">Satzung (Fassung 2025)</a>'
        f'<a href="{unicodedata.normalize("NFD", "/projekte/grünpatenschaften.html")}">Grünpatenschaften</a>'
        '<a href="mailto:x@example.org">Mail</a></body></html>'
    ).encode()
    raw = {sha256_bytes(html): html}
    recs = [
        record("/dokumente/", html),
        CrawlRecord(url=url_of("/dokumente/Satzung-überarbeitet_V002.pdf"), source="messy", status="new"),
        CrawlRecord(url=url_of("/projekte/grünpatenschaften.html"), source="messy", status="new"),
    ]
    links = collect_link_texts(
        CrawlManifest(source="messy", run_id="r", started_at=utcnow(), records=recs), raw.__getitem__
    )
    assert links[recs[1].url] == ["Satzung (Fassung 2025)"]
    assert links[recs[2].url] == ["Grünpatenschaften"]


# ---------------------------------------------------------------------------------------- dates
def test_every_document_gets_a_dated_source(tmp_path: Path) -> None:
    cases = {
        "/archiv/Einladung_MV_2024.pdf": (dt.date(2024, 2, 1), "text"),  # the letter's date line
        "/dokumente/Beitragsordnung 2026.pdf": (dt.date(2025, 3, 18), "pdf-modified"),
        "/dokumente/Satzung-überarbeitet_V002.pdf": (
            dt.date(2025, 3, 14),
            "text",
        ),  # running header "Fassung vom"
        "/archiv/vorstand-2021.html": (dt.date(2021, 3, 1), "text"),  # "Stand: März 2021"
        "/aktuelles/2025-03-neuer-vorstand.html": (dt.date(2025, 3, 15), "text"),  # "Veröffentlicht am"
    }
    for rel, expected in cases.items():
        body = file_of(url_of(rel)).read_bytes()
        doc = extract_document(record(rel, body), body)
        assert (doc.date, doc.date_source) == expected, rel
    body = (SITE / "aktuelles" / "index.html").read_bytes()
    listing = extract_document(record("/aktuelles/", body, sitemap_lastmod="2025-06-24"), body)
    assert (listing.date, listing.date_source) == (dt.date(2025, 6, 24), "sitemap")  # not a teaser's date


def test_date_order_and_fallbacks() -> None:
    from auskunft.extract.dates import choose_date

    now = dt.datetime(2025, 12, 1, tzinfo=dt.UTC)
    assert choose_date(text="Stand: 03.2024", url="http://x/a", crawled_at=now) == (
        dt.date(2024, 3, 1),
        "text",
    )
    assert choose_date(text="x", url="http://x/2023/05/07/a.html", crawled_at=now) == (
        dt.date(2023, 5, 7),
        "url",
    )
    assert choose_date(
        text="x", url="http://x/a", crawled_at=now, last_modified="Tue, 04 Feb 2025 10:00:00 GMT"
    ) == (dt.date(2025, 2, 4), "http")
    assert choose_date(text="x", url="http://x/Bericht_2019.pdf", crawled_at=now) == (
        dt.date(2019, 1, 1),
        "year",
    )
    future = choose_date(
        text="Die Versammlung am 12. März 2031 und am 9. Juni 1978.", url="http://x/a", crawled_at=now
    )
    assert future == (dt.date(1978, 6, 9), "mentioned")  # never after the crawl
    assert choose_date(text="nichts", url="http://x/a", crawled_at=now) == (now.date(), "crawled")


# ------------------------------------------------------------------------------------- listings
@pytest.mark.parametrize(
    ("rel", "listing"),
    [
        ("/aktuelles/", True),
        ("/aktuelles/seite-2.html", True),
        ("/aktuelles/thema/heimatstube.html", True),  # a tag page with one teaser
        ("/dokumente/", True),  # a download list
        ("/archiv/", True),
        ("/aktuelles/2025-06-sommerfest.html", False),
        ("/verein/vorstand.html", False),
        ("/projekte/", False),
        ("/termine/", False),
        ("/newsletter/2025-07.html", False),
    ],
)
def test_listing_pages_are_flagged(rel: str, listing: bool) -> None:
    body = file_of(url_of(rel)).read_bytes()
    assert extract_document(record(rel, body), body).is_listing is listing


def test_pdf_title_from_a_bold_line_on_page_one_or_the_heading_after_a_table_of_contents() -> None:
    from auskunft.extract.titles import document_heading

    form = ["|**Antrag auf Mitgliedschaft im Verein**|\n|---|\n|Bitte ausfüllen|", "# Datenschutz\n\ntext"]
    assert document_heading(form) == "Antrag auf Mitgliedschaft im Verein"
    statute = [
        "# **Inhaltsverzeichnis**\n\n|§1 Präambel ..... 2|",
        "# **Satzung des Vereins** Fassung 2024\n\n## §1",
    ]
    assert document_heading(statute) == "Satzung des Vereins Fassung 2024"
    report = ["## Pressemitteilung\n\n# Sommerfest am 23. August\n\ntext"]
    assert (
        document_heading(report) == "Sommerfest am 23. August"
    )  # the top level wins over a smaller one above


def test_html_pages_built_from_several_articles_keep_all_of_them_and_their_content_boxes() -> None:
    from auskunft.extract.html import html_content

    body = (
        "<html><body><header><nav><a href='/'>Start</a></nav></header>"
        "<article><h2>Land als Gemeingut</h2></article>"
        "<article><section><p>Der Verein ist ein Solidarverbund von Höfen.</p>"
        "<aside><h3>Für Hofprojekte</h3><p>Grundbesitz als unverkäufliches Gemeineigentum.</p></aside></section></article>"
        "<aside class='x'><p>Seitenleiste mit Werbung</p></aside><footer>Impressum</footer></body></html>"
    ).encode()
    md = html_content(body, "https://example.org/").markdown
    assert "Land als Gemeingut" in md and "Solidarverbund" in md and "unverkäufliches Gemeineigentum" in md
    assert "Seitenleiste" not in md and "Impressum" not in md
