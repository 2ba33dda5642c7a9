"""render_js on a messy JavaScript site (issue 11, item 6).

Custom elements keep their lists in shadow roots; one list loads more entries when its sentinel scrolls into
view (IntersectionObserver), one behind a "Mehr laden" button, one when a scroll container is scrolled. The
later entries link pages that link PDFs: the crawl must reach them. The navigation holds mailto:, tel:,
javascript:, data: and other non-http hrefs (never fetched) and a link with a decomposed umlaut (NFD) to a
page stored under the composed name (NFC).
"""

from __future__ import annotations

import asyncio
import http.server
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from auskunft.crawl import RawStore
from auskunft.crawl.fetcher import Fetcher, RateLimiter
from auskunft.crawl.render import BrowserRenderer
from tests.crawl.helpers import Reply, ScriptedServer, by_url, html, run_crawl, source_for

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian chromium (scripts/setup.sh)"),
]
PUBLIC = "http://verein.test"
PDF = Reply(body=b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="application/pdf")

APP_JS = r"""
const load = async (url) => (await fetch(url)).json();
const item = (e) => { const li = document.createElement('li'); li.style.minHeight = '400px';
  const a = document.createElement('a'); a.href = e.url; a.textContent = e.title; li.append(a); return li; };

customElements.define('article-feed', class extends HTMLElement {        // loads more on scroll
  async connectedCallback() {
    const root = this.attachShadow({mode: 'closed'});
    root.innerHTML = '<style>ul{margin:0}</style><ul></ul><div class="sentinel">…</div>';
    const ul = root.querySelector('ul'), sentinel = root.querySelector('.sentinel');
    let offset = 0, busy = false;
    const more = async () => {
      if (busy) return; busy = true;
      const batch = await load(this.getAttribute('src') + '?offset=' + offset);
      batch.forEach((e) => ul.append(item(e))); offset += batch.length; busy = false;
      if (!batch.length) io.disconnect();
    };
    const io = new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting)) more(); });
    await more(); io.observe(sentinel);
  }
});

customElements.define('news-list', class extends HTMLElement {           // "Mehr laden" button
  async connectedCallback() {
    const root = this.attachShadow({mode: 'open'});
    root.innerHTML = '<ul></ul><button type="button">Mehr laden</button>';
    const ul = root.querySelector('ul'), button = root.querySelector('button');
    let page = 1;
    const more = async () => {
      const batch = await load(this.getAttribute('src') + '?page=' + page++);
      batch.forEach((e) => ul.append(item(e)));
      if (batch.length < 3) button.remove();
    };
    button.addEventListener('click', more); await more();
  }
});

const box = document.getElementById('termine');                           // scroll container
let shown = 0;
const moreTermine = async () => {
  const batch = await load('/api/termine?from=' + shown);
  batch.forEach((e) => box.append(item(e))); shown += batch.length;
};
box.addEventListener('scroll', () => { if (box.scrollTop + box.clientHeight >= box.scrollHeight - 20) moreTermine(); });
moreTermine();
"""

INDEX = """<html><head><title>Verein</title><script src="/app.js" defer></script></head><body>
<nav><a href="mailto:info@verein.test">Mail</a> <a href="tel:+49301234">Tel</a> <a href="Tel:030 1234">Tel2</a>
<a href="javascript:void(0)">JS</a> <a href="data:text/html,hi">data</a> <a href="&#8203;mailto:x@verein.test">zw</a>
<a href="whatsapp://send?text=hi">wa</a> <a href="
   mailto:nl@verein.test">nl</a> <a href="u\u0308ber-uns.html">Über uns</a></nav>
<news-list src="/api/news"></news-list>
<article-feed src="/api/articles"></article-feed>
<div id="termine" style="height:300px; overflow:auto"></div>
</body></html>"""


def _json(entries: list[dict[str, str]]) -> Reply:
    return Reply(body=json.dumps(entries).encode(), content_type="application/json")


def _query(handler: http.server.BaseHTTPRequestHandler, key: str) -> int:
    return int(parse_qs(urlsplit(handler.path).query).get(key, ["0"])[0])


def messy_site(total_articles: int = 10) -> dict[str, object]:
    def articles(h: http.server.BaseHTTPRequestHandler) -> Reply:
        start = _query(h, "offset")
        ids = range(start + 1, min(start + 4, total_articles) + 1)
        return _json([{"title": f"Artikel {i}", "url": f"/artikel/{i}.html"} for i in ids])

    def news(h: http.server.BaseHTTPRequestHandler) -> Reply:
        page = _query(h, "page")
        ids = range((page - 1) * 3 + 1, min(page * 3, 7) + 1)
        return _json([{"title": f"Meldung {i}", "url": f"/news/{i}.html"} for i in ids])

    def termine(h: http.server.BaseHTTPRequestHandler) -> Reply:
        start = _query(h, "from")
        return _json(
            [
                {"title": f"Termin {i}", "url": f"/termine/{i}.html"}
                for i in range(start + 1, min(start + 2, 5) + 1)
            ]
        )

    routes: dict[str, object] = {
        "/": Reply(body=INDEX.encode()),
        "/app.js": Reply(body=APP_JS.encode(), content_type="text/javascript"),
        "/api/articles": articles,
        "/api/news": news,
        "/api/termine": termine,
        "/%C3%BCber-uns.html": html(title="Über uns", text="Der Verein"),
    }
    for i in range(1, total_articles + 1):
        links = [f"/dokumente/bericht-{i}.pdf"] if i >= 7 else []
        routes[f"/artikel/{i}.html"] = html(*links, title=f"Artikel {i}")
        routes[f"/dokumente/bericht-{i}.pdf"] = PDF
    for i in range(1, 8):
        routes[f"/news/{i}.html"] = html(
            *([f"/dokumente/meldung-{i}.pdf"] if i >= 5 else []), title=f"Meldung {i}"
        )
        routes[f"/dokumente/meldung-{i}.pdf"] = PDF
    for i in range(1, 6):
        routes[f"/termine/{i}.html"] = html(title=f"Termin {i}")
    return routes


def test_lazy_lists_expanded_and_later_pdfs_crawled(
    scripted_server: Callable[..., ScriptedServer], tmp_path: Path
) -> None:
    srv = scripted_server(messy_site())
    source = source_for(PUBLIC, srv.origin, render_js=True, use_sitemap=False, respect_robots=False)
    records = by_url(run_crawl(source, tmp_path))

    index = RawStore(tmp_path / "raw").get(records[PUBLIC + "/"].sha256 or "").decode()
    assert records[PUBLIC + "/"].rendered
    for title in ("Artikel 10", "Meldung 7", "Termin 5"):  # shadow DOM content is in the snapshot
        assert title in index, title
    for path in (
        "/artikel/10.html",
        "/dokumente/bericht-10.pdf",
        "/dokumente/bericht-7.pdf",
        "/news/7.html",
        "/dokumente/meldung-7.pdf",
        "/termine/5.html",
    ):
        assert records[PUBLIC + path].status == "new", path
    pdfs = [u for u, r in records.items() if r.content_type == "application/pdf"]
    assert len(pdfs) == 4 + 3  # bericht-7..10, meldung-5..7 (none in the first batch)

    # non-http hrefs never fetched (they used to be resolved as relative paths and fetched as 404s)
    for marker in ("mailto", "tel:", "Tel:", "javascript", "data:", "whatsapp", "%E2%80%8B"):
        assert not any(marker in p for p in srv.paths()), [p for p in srv.paths() if marker in p]
    # the NFD link 404s once and is fetched in NFC
    nfd, nfc = PUBLIC + "/u%CC%88ber-uns.html", PUBLIC + "/%C3%BCber-uns.html"
    assert records[nfc].status == "new" and records[nfc].title == "Über uns"
    assert records[nfd].status == "skipped" and f"fetched as {nfc}" in (records[nfd].error or "")
    assert records[PUBLIC + "/"].error is None


def test_endless_list_expansion_is_bounded(scripted_server: Callable[..., ScriptedServer]) -> None:
    """A list that never ends: expansion stops after max_rounds and the page is still rendered."""
    srv = scripted_server(messy_site(total_articles=10_000))

    async def render() -> tuple[str, float]:
        fetcher = Fetcher(
            user_agent="t",
            timeout_s=5,
            max_bytes=1_000_000,
            allow_private=True,
            trusted_origins=frozenset({("http", "127.0.0.1", srv.port)}),
            limiter=RateLimiter(1000, 4),
        )
        renderer = BrowserRenderer(
            timeout_s=10,
            fetcher=fetcher,
            request_ok=lambda url: url.startswith(srv.origin + "/"),
            max_expand_rounds=3,
            max_expand_s=15,
        )
        try:
            await renderer.start()
            t0 = time.monotonic()
            page = await renderer.render(srv.origin + "/", INDEX.encode(), "text/html")
            return page, time.monotonic() - t0
        finally:
            await renderer.close()
            await fetcher.aclose()

    page, seconds = asyncio.run(render())
    assert "Artikel 5" in page  # expanded ...
    assert "Artikel 40" not in page  # ... but only for three rounds
    assert seconds < 25


def test_scripts_fetched_once_per_crawl(
    scripted_server: Callable[..., ScriptedServer], tmp_path: Path
) -> None:
    """Every browser request goes through the crawler's fetcher; the same script is not fetched for every page."""
    page = b'<html><head><script src="/common.js" defer></script></head><body><a href="/b.html">b</a><a href="/c.html">c</a><p id="x"></p></body></html>'
    js = Reply(
        body=b"document.getElementById('x').textContent = 'from common';", content_type="text/javascript"
    )
    srv = scripted_server(
        {"/": Reply(body=page), "/b.html": Reply(body=page), "/c.html": Reply(body=page), "/common.js": js}
    )
    source = source_for(PUBLIC, srv.origin, render_js=True, use_sitemap=False, respect_robots=False)
    records = by_url(run_crawl(source, tmp_path))
    for path in ("/", "/b.html", "/c.html"):
        body = RawStore(tmp_path / "raw").get(records[PUBLIC + path].sha256 or "").decode()
        assert '<p id="x">from common</p>' in body, path
    assert srv.paths().count("/common.js") == 1
