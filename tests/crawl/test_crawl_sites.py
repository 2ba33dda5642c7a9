"""Full HTTP-mode crawls of the shared ackersyndikat site and the demo site over loopback."""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from auskunft.crawl import RawStore
from tests.crawl.helpers import Reply, ScriptedServer, by_url, html, run_crawl, source_for
from tests.support.siteserver import SiteServer

ACKER = "https://ackersyndikat.org"
DEMO = "http://localhost:8765"


def reachable(root: Path, public: str) -> tuple[set[str], set[str]]:
    """Independent BFS over the files on disk: (pages and PDFs that exist, linked ones that do not)."""
    found, dead, queue, seen = set(), set(), [public + "/"], {public + "/"}
    while queue:
        url = queue.pop()
        path = unquote(urlsplit(url).path)
        file = root / path.lstrip("/")
        if file.is_dir() or path.endswith("/"):
            file = file / "index.html"
        if not file.is_file():
            dead.add(url)
            continue
        found.add(url)
        if file.suffix != ".html":
            continue
        for href in re.findall(r'href="?([^" >]+)', file.read_text(encoding="utf-8", errors="replace")):
            link = urljoin(url, href).split("#")[0]
            if not link.startswith(public + "/") or re.search(
                r"\.(css|png|jpe?g|svg|ico|js|ttf|woff2?)$", link
            ):
                continue
            if (
                not link.endswith((".html", ".pdf", "/"))
                and (root / urlsplit(link).path.lstrip("/")).is_dir()
            ):
                link += "/"  # the server redirects directory URLs to their slash form
            if link not in seen:
                seen.add(link)
                queue.append(link)
    return found, dead


def test_acker_site(acker_site: SiteServer, tmp_path: Path) -> None:
    acker_site.clear_log()
    manifest = run_crawl(source_for(ACKER, acker_site.origin), tmp_path)
    records = by_url(manifest)
    expected, dead = reachable(acker_site.root, ACKER)
    assert len(expected) >= 15 and any(u.endswith(".pdf") for u in expected)

    stored = {u for u, r in records.items() if r.status == "new"}
    assert stored == expected
    for url in expected:
        rec = records[url]
        assert rec.fetched_url and rec.fetched_url.startswith(acker_site.origin)  # fetched via the alias
        assert RawStore(tmp_path / "raw").get(rec.sha256 or "")[:5] in (
            b"%PDF-",
            b"<!DOC",
            b"<!doc",
            b"<html",
        )
        assert rec.content_type == ("application/pdf" if url.endswith(".pdf") else "text/html")
    assert records[ACKER + "/"].title and "Ackersyndikat" in records[ACKER + "/"].title

    failed = {u: r for u, r in records.items() if r.status == "failed"}
    assert set(failed) == dead and dead  # dead links recorded with the reason
    assert all(r.error == "HTTP 404" and r.http_status == 404 for r in failed.values())

    assert all(urlsplit(u).netloc == "ackersyndikat.org" for u in records)  # nothing outside the host
    served = {p.split("?")[0] for p in acker_site.paths_requested()}
    assert not any(re.search(r"\.(css|png|jpe?g|svg|ttf)$", p) for p in served)  # assets are not crawled
    assert served <= {urlsplit(u).path for u in records} | {"/robots.txt", "/sitemap.xml"}
    assert manifest.counts()["failed"] == len(dead)


def test_demo_site_http_mode(demo_site: SiteServer, tmp_path: Path) -> None:
    demo_site.clear_log()
    manifest = run_crawl(source_for(DEMO, demo_site.origin), tmp_path)
    records = by_url(manifest)
    requested = demo_site.paths_requested()

    assert not any(p.startswith("/intern/") for p in requested)  # robots.txt disallows it
    intern = records[DEMO + "/intern/vorstand-protokoll.html"]  # linked from a page: recorded, never fetched
    assert intern.status == "skipped" and intern.error == "disallowed by robots.txt" and intern.sha256 is None
    assert "/robots.txt" in requested and "/sitemap.xml" in requested
    assert all(u.startswith(DEMO + "/") for u in records)  # example.org / example.com links not followed

    html_files = {p for p in demo_site.root.rglob("*.html") if "intern" not in p.parts}
    pages = {u for u, r in records.items() if r.status == "new" and r.content_type == "text/html"}
    assert len(pages) == len(html_files)
    pdfs = {u: r for u, r in records.items() if r.content_type == "application/pdf"}
    assert set(pdfs) == {f"{DEMO}/dokumente/{p.name}" for p in (demo_site.root / "dokumente").glob("*.pdf")}
    store = RawStore(tmp_path / "raw")
    for url, rec in pdfs.items():
        assert rec.status == "new"
        assert store.get(rec.sha256 or "") == (demo_site.root / urlsplit(url).path.lstrip("/")).read_bytes()
    termine = records[DEMO + "/termine/"]
    assert termine.rendered is False  # HTTP mode stores the static HTML
    assert b"Termine werden geladen" in store.get(termine.sha256 or "")


def test_sitemap_index_from_robots(scripted_server: Callable[[dict], ScriptedServer], tmp_path: Path) -> None:
    """robots.txt names a sitemap index; a nested sitemap is gzipped; URLs only listed there are crawled."""
    pub = "https://verband.test"
    nested = f"<urlset><url><loc>{pub}/only-in-sitemap.html</loc></url><url><loc>{pub}/doc.pdf</loc></url></urlset>"
    srv = scripted_server(
        {
            "/robots.txt": Reply(body=f"Sitemap: {pub}/sm/index.xml\n".encode(), content_type="text/plain"),
            "/sm/pages.xml.gz": Reply(body=gzip.compress(nested.encode()), content_type="application/gzip"),
            "/": html(),
            "/only-in-sitemap.html": html(title="hidden"),
            "/doc.pdf": Reply(body=b"%PDF-1.4", content_type="application/pdf"),
        }
    )
    index = (  # the second entry is the same server under a foreign host name: never requested
        f"<sitemapindex><sitemap><loc>{pub}/sm/pages.xml.gz</loc></sitemap>"
        f"<sitemap><loc>http://localhost:{srv.port}/sm/foreign.xml</loc></sitemap></sitemapindex>"
    )
    srv.routes["/sm/index.xml"] = Reply(body=index.encode(), content_type="application/xml")
    records = by_url(run_crawl(source_for(pub, srv.origin), tmp_path))
    assert {u: r.status for u, r in records.items()} == {
        f"{pub}/": "new",
        f"{pub}/only-in-sitemap.html": "new",
        f"{pub}/doc.pdf": "new",
    }
    assert records[f"{pub}/only-in-sitemap.html"].depth == 1
    assert "/sitemap.xml" not in srv.paths()  # robots.txt named the sitemap
    assert "/sm/foreign.xml" not in srv.paths()
