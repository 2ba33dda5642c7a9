"""Links in onclick handlers and data-href/data-url attributes are crawled under the same rules as links."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pymupdf

from auskunft.crawl.attrlinks import script_urls
from auskunft.crawl.discovery import parse_html_links
from tests.crawl.helpers import Reply, ScriptedServer, by_url, html, run_crawl, source_for

PUB = "https://verein.test"


def _pdf(text: str) -> bytes:
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), text)
    return doc.tobytes()


def test_script_urls_are_literal_navigations_only() -> None:
    assert script_urls("window.open('/presse/pm.pdf', '_blank'); return false;") == ["/presse/pm.pdf"]
    assert script_urls('location.href="/termine/5.html"') == ["/termine/5.html"]
    assert script_urls("document.location = '../satzung.pdf'") == ["../satzung.pdf"]
    assert script_urls("self.location.replace(`/a`)") == ["/a"]
    assert script_urls("window.open('/doc/' + id)") == []  # built at run time: not followed
    assert script_urls("location.href = url; trackClick('x.pdf')") == []
    assert script_urls("window.open('javascript:alert(1)')") == []


def test_parse_html_links_reads_buttons_rows_and_javascript_hrefs() -> None:
    page = b"""<html><head><title>Presse</title></head><body>
    <button type="button" onclick="window.open('/presse/pm-2025.pdf')">Pressemitteilung lesen</button>
    <table><tr data-href="/termine/mv.html"><td>Mitgliederversammlung</td></tr></table>
    <div class="card" data-url="https://verein.test/projekte/garten.html">Garten</div>
    <a href="javascript:void(location.href='/archiv/')">Archiv</a>
    <span onclick="window.open('/doc/' + id)">kaputt</span>
    </body></html>"""
    links, title = parse_html_links(page, f"{PUB}/presse/")
    assert title == "Presse"
    assert set(links) == {
        f"{PUB}/presse/pm-2025.pdf",
        f"{PUB}/termine/mv.html",
        f"{PUB}/projekte/garten.html",
        f"{PUB}/archiv/",
    }


def test_crawl_follows_button_links_within_scope_robots_and_exclude(
    scripted_server: Callable[[dict], ScriptedServer], tmp_path: Path
) -> None:
    start = """<html><head><title>Start</title></head><body><h1>Presse</h1>
    <button onclick="window.open('/presse/pressemitteilung.pdf','_blank')">PDF-Datei (Original)</button>
    <tr data-href="/termine/mv.html"><td>Termin</td></tr>
    <button onclick="location.href='/intern/geheim.html'">Intern</button>
    <button onclick="location.href='/entwurf/alt.html'">Alt</button>
    <button onclick="window.open('https://fremd.test/x.pdf')">Fremd</button>
    </body></html>"""
    srv = scripted_server(
        {
            "/robots.txt": Reply(body=b"User-agent: *\nDisallow: /intern/\n", content_type="text/plain"),
            "/": Reply(body=start.encode()),
            "/presse/pressemitteilung.pdf": Reply(
                body=_pdf("Pressemitteilung"), content_type="application/pdf"
            ),
            "/termine/mv.html": html(title="Mitgliederversammlung"),
            "/intern/geheim.html": html(title="geheim"),
            "/entwurf/alt.html": html(title="alt"),
        }
    )
    source = source_for(PUB, srv.origin, exclude=[r"/entwurf/"])
    records = by_url(run_crawl(source, tmp_path))
    assert records[f"{PUB}/presse/pressemitteilung.pdf"].status == "new"
    assert records[f"{PUB}/presse/pressemitteilung.pdf"].depth == 1
    assert records[f"{PUB}/termine/mv.html"].status == "new"
    fetched = srv.paths()
    assert "/intern/geheim.html" not in fetched  # robots.txt
    assert "/entwurf/alt.html" not in fetched  # exclude pattern
    assert not any("fremd" in u for u in records)  # another host: out of scope
