"""Incremental re-crawls: conditional GET, content hashes, changed and gone URLs, state kept on failures."""

from __future__ import annotations

import http.server
import shutil
from collections.abc import Callable
from pathlib import Path

from auskunft.crawl import CrawlState, RawStore
from tests.crawl.helpers import Reply, ScriptedServer, by_url, html, run_crawl, source_for
from tests.support.siteserver import serve_directory

DEMO = "http://localhost:8765"
DEMO_SITE = Path(__file__).resolve().parents[2] / "datasets" / "demo-site"
Start = Callable[[dict], ScriptedServer]


def test_demo_recrawl_change_and_delete(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(DEMO_SITE, site)
    data = tmp_path / "data"
    with serve_directory(site) as srv:
        source = source_for(DEMO, srv.origin)
        first = run_crawl(source, data)
        kept = {u for u, r in by_url(first).items() if r.status == "new"}
        assert len(kept) >= 20
        raw_files = sorted((data / "raw").rglob("*"))

        srv.clear_log()
        second = run_crawl(source, data)
        records = by_url(second)
        assert {u for u, r in records.items() if r.status == "unchanged"} == kept
        assert second.counts()["new"] == second.counts()["changed"] == second.counts()["gone"] == 0
        page_hits = [(p, s) for m, p, s in srv.requests if p not in ("/robots.txt", "/sitemap.xml")]
        assert len(page_hits) == len(kept) and all(s == 304 for _, s in page_hits)  # no body downloaded
        assert sorted((data / "raw").rglob("*")) == raw_files  # nothing new in the raw store
        assert all(r.sha256 == by_url(first)[r.url].sha256 for r in second.records if r.url in kept)

        page = site / "wettkampf" / "regeln.html"
        page.write_text(
            page.read_text(encoding="utf-8").replace("</main>", "<p>Neue Regel 12.</p></main>"),
            encoding="utf-8",
        )
        third = by_url(run_crawl(source, data))
        changed = {u for u, r in third.items() if r.status != "unchanged" and u in kept}
        assert changed == {DEMO + "/wettkampf/regeln.html"}
        assert third[DEMO + "/wettkampf/regeln.html"].status == "changed"
        assert b"Neue Regel 12." in RawStore(data / "raw").get(
            third[DEMO + "/wettkampf/regeln.html"].sha256 or ""
        )

        (site / "dokumente" / "jugendordnung.pdf").unlink()
        fourth = run_crawl(source, data)
        gone = {u: r for u, r in by_url(fourth).items() if r.status == "gone"}
        assert set(gone) == {DEMO + "/dokumente/jugendordnung.pdf"}
        assert gone[DEMO + "/dokumente/jugendordnung.pdf"].http_status == 404
        assert fourth.counts()["unchanged"] == len(kept) - 1
        assert DEMO + "/dokumente/jugendordnung.pdf" not in CrawlState(data / "state", "t").records


def test_last_modified_only_server(scripted_server: Start, tmp_path: Path) -> None:
    stamp = "Wed, 21 Oct 2026 07:28:00 GMT"

    def page(handler: http.server.BaseHTTPRequestHandler) -> Reply:
        if handler.headers.get("If-Modified-Since") == stamp:
            return Reply(304, headers={"Last-Modified": stamp})
        return Reply(body=b"<html><title>LM</title><p>same</p></html>", headers={"Last-Modified": stamp})

    srv = scripted_server({"/": page})
    source = source_for("http://lm.test", srv.origin, use_sitemap=False)
    assert by_url(run_crawl(source, tmp_path))["http://lm.test/"].last_modified == stamp
    rec = by_url(run_crawl(source, tmp_path))["http://lm.test/"]
    assert rec.status == "unchanged" and rec.http_status == 304 and rec.title == "LM"


def test_hash_decides_without_validators(scripted_server: Start, tmp_path: Path) -> None:
    """A server without ETag/Last-Modified: bodies are compared by sha256."""
    routes: dict = {"/": html("/a.html", "/b.html"), "/a.html": html(text="A"), "/b.html": html(text="B")}
    srv = scripted_server(routes)
    source = source_for("http://plain.test", srv.origin, use_sitemap=False)
    assert run_crawl(source, tmp_path).counts()["new"] == 3
    routes["/b.html"] = html(text="B2")
    records = by_url(run_crawl(source, tmp_path))
    assert {u: r.status for u, r in records.items()} == {
        "http://plain.test/": "unchanged",
        "http://plain.test/a.html": "unchanged",
        "http://plain.test/b.html": "changed",
    }


def test_gone_when_no_longer_linked_but_not_when_truncated(scripted_server: Start, tmp_path: Path) -> None:
    routes: dict = {"/": html("/a.html", "/b.html", "/c.html")}
    routes |= {f"/{n}.html": html(text=n) for n in "abc"}
    srv = scripted_server(routes)
    source = source_for("http://g.test", srv.origin, use_sitemap=False)
    run_crawl(source, tmp_path)

    small = source.model_copy(update={"max_pages": 2})  # cut short: proves nothing about the rest
    truncated = run_crawl(small, tmp_path)
    assert truncated.counts()["gone"] == 0 and len(truncated.records) == 2

    routes["/"] = html("/a.html")
    records = by_url(run_crawl(source, tmp_path))
    assert (
        records["http://g.test/b.html"].status == "gone" and records["http://g.test/c.html"].status == "gone"
    )
    assert records["http://g.test/a.html"].status == "unchanged"
    assert set(CrawlState(tmp_path / "state", "t").records) == {"http://g.test/", "http://g.test/a.html"}


def test_transient_failure_keeps_state(scripted_server: Start, tmp_path: Path) -> None:
    routes: dict = {"/": html("/hub.html"), "/hub.html": html("/leaf.html"), "/leaf.html": html(text="leaf")}
    srv = scripted_server(routes)
    source = source_for("http://t.test", srv.origin, use_sitemap=False, timeout_s=0.5)
    first = by_url(run_crawl(source, tmp_path))
    routes["/hub.html"] = Reply(503, b"busy")
    records = by_url(run_crawl(source, tmp_path))
    assert (
        records["http://t.test/hub.html"].status == "failed"
        and records["http://t.test/hub.html"].error == "HTTP 503"
    )
    assert (
        records["http://t.test/leaf.html"].status == "unchanged"
    )  # still reached via the hub's stored links
    routes["/hub.html"] = Reply(body=b"slow", delay_s=2)
    records = by_url(run_crawl(source, tmp_path))
    assert records["http://t.test/hub.html"].status == "failed" and "timeout" in (
        records["http://t.test/hub.html"].error or ""
    )
    assert (
        CrawlState(tmp_path / "state", "t").get("http://t.test/hub.html") == first["http://t.test/hub.html"]
    )
    assert not any(r.status == "gone" for r in records.values())


def sitemap(entries: dict[str, str]) -> Reply:
    urls = "".join(f"<url><loc>{u}</loc><lastmod>{m}</lastmod></url>" for u, m in entries.items())
    body = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    return Reply(body=body.encode(), content_type="application/xml")


def test_trusted_sitemap_lastmod_skips_requests(scripted_server: Start, tmp_path: Path) -> None:
    pub = "http://sm.test"
    mods = {
        f"{pub}/": "2026-01-01",
        f"{pub}/a.html": "2026-01-01",
        f"{pub}/b.pdf": "2026-01-01T10:00:00+00:00",
    }
    routes: dict = {
        "/sitemap.xml": sitemap(mods),
        "/": html("/a.html"),
        "/a.html": html(text="A"),
        "/b.pdf": Reply(body=b"%PDF-1.4 b", content_type="application/pdf"),
    }
    srv = scripted_server(routes)
    source = source_for(pub, srv.origin, trust_sitemap_lastmod=True)
    first = by_url(run_crawl(source, tmp_path))
    assert {r.status for r in first.values()} == {"new"} and first[f"{pub}/b.pdf"].sitemap_lastmod == mods[
        f"{pub}/b.pdf"
    ]

    srv.requests.clear()
    second = run_crawl(source, tmp_path)
    assert {r.status for r in second.records} == {"unchanged"} and len(second.records) == 3
    assert sorted(srv.paths()) == ["/robots.txt", "/sitemap.xml"]  # no page was requested

    routes["/a.html"] = html(text="A2")
    routes["/sitemap.xml"] = sitemap(mods | {f"{pub}/a.html": "2026-02-01"})
    srv.requests.clear()
    third = by_url(run_crawl(source, tmp_path))
    assert third[f"{pub}/a.html"].status == "changed" and third[f"{pub}/"].status == "unchanged"
    assert sorted(srv.paths()) == ["/a.html", "/robots.txt", "/sitemap.xml"]

    srv.requests.clear()
    untrusting = by_url(run_crawl(source.model_copy(update={"trust_sitemap_lastmod": False}), tmp_path))
    assert {r.status for r in untrusting.values()} == {"unchanged"}
    assert {"/", "/a.html", "/b.pdf"} <= set(srv.paths())  # the default asks the server every time


def test_robots_outage_is_not_a_deletion(scripted_server: Start, tmp_path: Path) -> None:
    routes: dict = {"/": html("/a.html"), "/a.html": html(text="A")}
    srv = scripted_server(routes)
    source = source_for("http://r.test", srv.origin, use_sitemap=False)
    run_crawl(source, tmp_path)
    before = CrawlState(tmp_path / "state", "t").records

    routes["/robots.txt"] = Reply(503, b"maintenance")
    srv.requests.clear()
    outage = run_crawl(source, tmp_path)
    assert {r.status for r in outage.records} == {"failed"}  # not gone: robots.txt could not be read
    assert all("robots.txt unavailable (HTTP 503)" in (r.error or "") for r in outage.records)
    assert srv.paths() == ["/robots.txt"]  # and nothing else was requested meanwhile
    assert CrawlState(tmp_path / "state", "t").records == before

    routes["/robots.txt"] = Reply(body=b"User-agent: *\nDisallow: /a.html\n", content_type="text/plain")
    records = by_url(run_crawl(source, tmp_path))
    assert records["http://r.test/a.html"].status == "gone"  # a real Disallow removes the page
    assert records["http://r.test/a.html"].error == "disallowed by robots.txt"
