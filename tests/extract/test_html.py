"""HTML -> markdown: boilerplate removed, structure kept, bad input refused with a reason."""

from __future__ import annotations

import pytest

from auskunft.errors import ExtractionError
from auskunft.extract.html import html_to_markdown
from tests.conftest import DEMO_SITE

BASE = "http://localhost:8765"


def demo(path: str) -> tuple[str, str, str | None]:
    return html_to_markdown((DEMO_SITE / path).read_bytes(), f"{BASE}/{path}")


def test_boilerplate_stripped_on_every_demo_page() -> None:
    pages = [p.relative_to(DEMO_SITE).as_posix() for p in DEMO_SITE.rglob("*.html")]
    assert len(pages) >= 15
    for path in pages:
        _, md, lang = demo(path)
        assert lang == "de"
        for boiler in (
            "Wir verwenden Cookies",
            "Alle akzeptieren",
            "Hauptnavigation",
            "Folgen Sie uns",
            "© 2026",
            "Social Media",
            "Internationaler Verband",
        ):
            assert boiler not in md, (path, boiler)
        assert md.startswith("# "), path  # the page's h1 is the first thing


def test_headings_tables_lists_links_title() -> None:
    title, md, _ = demo("wettkampf/regeln.html")
    assert title == "Spielregeln – Deutscher Kanupolo-Verband e.V."
    assert "# Spielregeln Kanupolo" in md and "## Spielzeit" in md and "## Strafen" in md
    assert "2 × 10 Minuten" in md
    assert "| Gelbe Karte | 2 Minuten Zeitstrafe |" in md
    assert "| --- | --- |" in md
    assert "- Das Spielfeld ist 35 Meter lang" in md
    _, md, _ = demo("mitgliedschaft/index.html")
    assert "1. Aufnahmeantrag ausfüllen" in md  # ordered list
    assert (
        f"[Beitragsordnung 2026]({BASE}/dokumente/beitragsordnung-2026.pdf)" in md
    )  # relative link resolved


def test_script_content_not_kept() -> None:
    _, md, _ = demo("termine/index.html")
    assert "const termine" not in md and "Trainerfortbildung" not in md  # only the rendered DOM has it


def test_language_detected_without_lang_attribute() -> None:
    body = (
        "<html><body><main><h1>Spielbetrieb</h1><p>Die Mannschaften spielen in der Halle und auf dem "
        "Wasser, die Saison beginnt im Frühjahr und endet im Herbst.</p></main></body></html>"
    ).encode()
    title, md, lang = html_to_markdown(body)
    assert lang is None and title == "Spielbetrieb"  # title falls back to the first heading
    from auskunft.extract.extractor import extract_content

    assert extract_content("html", body)[1] == "de"


def test_broken_html_does_not_crash() -> None:
    body = b"<html lang='de-DE'><title>Kaputt</title><div><p>Offener Absatz <b>fett <ul><li>Eins<li>Zwei</table></div"
    title, md, lang = html_to_markdown(body)
    assert title == "Kaputt" and lang == "de"
    assert "Offener Absatz" in md and "- Eins" in md and "- Zwei" in md


def test_cp1252_body_decoded() -> None:
    title, md, _ = html_to_markdown("<title>Größe</title><p>Fußball für Übungsleiter</p>".encode("cp1252"))
    assert title == "Größe" and "Fußball für Übungsleiter" in md


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty"),
        (b"   \n ", "empty"),
        (bytes(range(256)) * 20, "binary"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 100, "binary"),
        (b"<html><nav><a href='/'>Start</a></nav><footer>(c)</footer></html>", "no text"),
    ],
)
def test_bad_html_refused_with_reason(body: bytes, reason: str) -> None:
    with pytest.raises(ExtractionError, match=reason):
        html_to_markdown(body)


def test_an_alt_text_that_describes_nothing_is_no_image_caption() -> None:
    """ff-heitzenhofen's news teasers (rendered by a script) carry alt="undefined": "[Bild: undefined]" was
    indexed and quoted in every list of the start page; a file name or a placeholder word says no more."""
    body = (
        '<main><h1>Aktuelles</h1><p><img src="a.jpg" alt="undefined"> Monatsübung: 06.03.2025</p>'
        '<p><img src="b.jpg" alt="IMG_2041.JPG"> <img src="c.jpg" alt=" Bild "> <img src="d.png" alt="null"></p>'
        '<p><img src="e.jpg" alt="Josef Graf"> Kommandant</p></main>'
    ).encode()
    _, md, _ = html_to_markdown(body)
    assert "[Bild: Josef Graf]" in md
    assert "undefined" not in md and "IMG_2041" not in md and "null" not in md and "[Bild: Bild]" not in md
