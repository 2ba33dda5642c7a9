"""Safety and politeness: SSRF guard, redirects, rate limit, size and type limits, timeouts, event loops."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from auskunft.crawl import CrawlState, RawStore, crawl_source
from tests.crawl.helpers import Reply, ScriptedServer, by_url, html, run_crawl, source_for

Start = Callable[[dict], ScriptedServer]
PUB = "http://site.test"


def test_ssrf_guard_refuses_loopback_without_allow_private(scripted_server: Start, tmp_path: Path) -> None:
    srv = scripted_server({"/": html("/a.html"), "/a.html": html()})
    source = source_for(PUB, srv.origin, allow_private=False)
    manifest = run_crawl(source, tmp_path)
    rec = by_url(manifest)[PUB + "/"]
    assert rec.status == "skipped" and "non-public address 127.0.0.1" in (rec.error or "")
    assert "allow_private" in (rec.error or "")
    assert srv.requests == []  # not even robots.txt or the sitemap was requested
    assert RawStore(tmp_path / "raw").count() == 0


def test_redirects_to_private_or_foreign_hosts_refused(scripted_server: Start, tmp_path: Path) -> None:
    other = scripted_server({"/secret.html": html(text="internal admin")})
    srv = scripted_server(
        {
            "/": html("/to-localhost", "/to-metadata", "/to-foreign", "/to-alias"),
            "/to-localhost": Reply(302, headers={"Location": f"http://localhost:{other.port}/secret.html"}),
            "/to-metadata": Reply(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}),
            "/to-foreign": Reply(302, headers={"Location": "https://example.org/"}),
            "/to-alias": Reply(
                301, headers={"Location": f"{PUB}/target.html"}
            ),  # public origin: fetched via alias
            "/target.html": html(text="ok"),
        }
    )
    # the foreign hosts are allowed by scope here, so only the SSRF guard stands between them and the crawler
    source = source_for(
        PUB, srv.origin, allowed_hosts=["site.test", f"localhost:{other.port}", "169.254.169.254"]
    )
    records = by_url(run_crawl(source, tmp_path))
    assert "SSRF guard: localhost resolves to non-public address" in (
        records[PUB + "/to-localhost"].error or ""
    )
    assert "SSRF guard: 169.254.169.254" in (records[PUB + "/to-metadata"].error or "")
    assert records[PUB + "/to-foreign"].status == "skipped"
    assert "leaves the source's scope" in (records[PUB + "/to-foreign"].error or "")
    assert other.requests == []
    assert records[PUB + "/to-alias"].error == f"redirects to {PUB}/target.html"
    assert records[PUB + "/target.html"].status == "new"
    assert srv.paths().count("/target.html") == 1  # recorded once, not fetched again


def test_rate_limit_per_host(scripted_server: Start, tmp_path: Path) -> None:
    pages = [f"/p{i}.html" for i in range(6)]
    srv = scripted_server({"/": html(*pages)} | {p: html() for p in pages})
    source = source_for(
        PUB, srv.origin, use_sitemap=False, respect_robots=False, rate_limit_per_s=10.0, concurrency=4
    )
    run_crawl(source, tmp_path)
    times = sorted(t for t, _ in srv.requests)
    assert len(times) == 7
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) > 0.08  # 10/s per host, despite 4 workers
    assert times[-1] - times[0] >= 0.55


def test_size_type_and_timeout_limits(scripted_server: Start, tmp_path: Path) -> None:
    srv = scripted_server(
        {
            "/": html("/big.pdf", "/photo", "/feed", "/slow.html", "/small.pdf", "/octet.pdf", "/broken"),
            "/big.pdf": Reply(body=b"%PDF-" + b"x" * 5000, content_type="application/pdf"),
            "/small.pdf": Reply(body=b"%PDF-1.4 tiny", content_type="application/pdf"),
            "/octet.pdf": Reply(body=b"%PDF-1.4 octet", content_type="application/octet-stream"),
            "/photo": Reply(body=b"\x89PNG....", content_type="image/png"),
            "/feed": Reply(body=b"<rss/>", content_type="application/rss+xml"),
            "/slow.html": Reply(body=b"<html>late</html>", delay_s=1.5),
            "/broken": Reply(500, b"oops"),
        }
    )
    source = source_for(PUB, srv.origin, use_sitemap=False, max_file_bytes=1000, timeout_s=0.4)
    records = by_url(run_crawl(source, tmp_path))
    big = records[PUB + "/big.pdf"]
    assert (
        big.status == "skipped" and big.error == "file too large (5005 bytes > 1000)" and big.sha256 is None
    )
    assert records[PUB + "/photo"].status == "skipped"
    assert records[PUB + "/photo"].error == "content type 'image/png' not crawled"
    assert records[PUB + "/feed"].status == "skipped"
    slow = records[PUB + "/slow.html"]
    assert slow.status == "failed" and (slow.error or "").startswith("timeout")
    assert records[PUB + "/broken"].status == "failed" and records[PUB + "/broken"].http_status == 500
    assert (
        records[PUB + "/small.pdf"].status == "new"
        and records[PUB + "/small.pdf"].content_type == "application/pdf"
    )
    assert records[PUB + "/octet.pdf"].content_type == "application/pdf"  # by extension


def test_body_cut_without_content_length(scripted_server: Start, tmp_path: Path) -> None:
    """A server that streams without Content-Length: reading stops at max_file_bytes."""
    import http.server

    def chunked(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/pdf")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        try:
            for _ in range(200):  # 200 x 1 KiB, cut after ~2 KiB
                handler.wfile.write(b"400\r\n" + b"y" * 1024 + b"\r\n")
            handler.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        handler.close_connection = True

    srv = scripted_server({"/": html("/stream.pdf"), "/stream.pdf": chunked})
    source = source_for(PUB, srv.origin, use_sitemap=False, max_file_bytes=2000)
    rec = by_url(run_crawl(source, tmp_path))[PUB + "/stream.pdf"]
    assert rec.status == "skipped" and rec.error == "file too large (> 2000 bytes)"


def test_crawl_from_a_running_event_loop(scripted_server: Start, tmp_path: Path) -> None:
    """Jupyter kernels (papermill) already run a loop: crawl_source must still work there."""
    srv = scripted_server({"/": html("/a.html"), "/a.html": html()})
    source = source_for(PUB, srv.origin, use_sitemap=False)

    async def in_loop() -> int:
        manifest = crawl_source(
            source,
            raw_store=RawStore(tmp_path / "raw"),
            state=CrawlState(tmp_path / "s", "t"),
            progress=True,
            run_id="r-1",
        )
        assert manifest.run_id == "r-1"
        return manifest.counts()["new"]

    started = time.monotonic()
    assert asyncio.run(in_loop()) == 2
    assert time.monotonic() - started < 10


def test_robots_crawl_delay_honoured(scripted_server: Start, tmp_path: Path) -> None:
    pages = [f"/p{i}.html" for i in range(3)]
    robots = Reply(body=b"User-agent: *\nCrawl-delay: 0.3\n", content_type="text/plain")
    srv = scripted_server({"/robots.txt": robots, "/": html(*pages)} | {p: html() for p in pages})
    run_crawl(source_for(PUB, srv.origin, use_sitemap=False, rate_limit_per_s=1000.0), tmp_path)
    times = [t for t, p in srv.requests if p != "/robots.txt"]
    assert len(times) == 4
    assert min(b - a for a, b in zip(times, times[1:], strict=False)) > 0.25
