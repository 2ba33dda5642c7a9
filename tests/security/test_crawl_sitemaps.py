"""Sitemaps cost a bounded amount per start URL, and a crawl has a deadline (probe 2026-12 N13, N17).

N13: a sitemap index naming 60 full-size gzipped sitemaps drove the crawler to 3.5 GB with max_pages 1 (each
sitemap parsed into a tree, every <loc> kept before max_pages applied). Now sitemaps are parsed as a stream
with a byte and URL budget per start URL. N17: slow sitemaps were fetched one after another and nothing
bounded the whole crawl; now they are fetched `concurrency` at a time and max_crawl_s ends the crawl.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.crawl.helpers import Reply, Servers, html, run_crawl, source_for
from tests.security.crawl_bombs import sitemap_index, sitemap_xml

REPO = Path(__file__).resolve().parents[2]
PUBLIC = "https://www.example.org"


def _crawl_child(source_json: str, timeout_s: float) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "tests.security.bomb_runs", "crawl", source_json],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=timeout_s,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_sitemap_index_of_60_full_sitemaps_stays_small(servers: Servers) -> None:
    one = gzip.compress(
        sitemap_xml(527_000, PUBLIC), 6
    )  # 28.9 MB of XML (old code parsed it), served 60 times
    paths = [f"/sm{i}.xml.gz" for i in range(60)]
    routes = {p: Reply(body=one, content_type="application/gzip") for p in paths}
    routes["/robots.txt"] = Reply(body=f"Sitemap: {PUBLIC}/index.xml\n".encode(), content_type="text/plain")
    routes["/index.xml"] = Reply(body=sitemap_index(paths, PUBLIC), content_type="application/xml")
    routes["/"] = html(text="Start")
    srv = servers.start(routes)
    source = source_for(PUBLIC, srv.origin, max_pages=1, max_crawl_s=60)
    result = _crawl_child(source.model_dump_json(), timeout_s=120)
    assert result["tree_peak_pss_mb"] <= 500, result  # the crawl process (no browser here)
    assert result["seconds"] <= source.max_crawl_s + 5
    assert len(result["records"]) == 1
    # the first sitemap gives the one URL max_pages allows: the other 59 are never requested
    assert sum(p.startswith("/sm") for p in srv.paths()) <= source.concurrency


def test_sitemap_urls_stop_at_max_pages_per_start_url(servers: Servers, tmp_path: Path) -> None:
    routes = {
        "/robots.txt": Reply(
            body=f"Sitemap: {PUBLIC}/a.xml\nSitemap: {PUBLIC}/b.xml\n".encode(), content_type="text/plain"
        ),
        "/a.xml": Reply(body=sitemap_xml(5_000, PUBLIC), content_type="application/xml"),
        "/b.xml": Reply(body=sitemap_xml(5_000, PUBLIC), content_type="application/xml"),
        "/": html(text="Start"),
    }
    srv = servers.start(routes)
    manifest = run_crawl(source_for(PUBLIC, srv.origin, max_pages=20, concurrency=1), tmp_path)
    assert len(manifest.records) == 20
    assert "/b.xml" not in srv.paths()  # the budget was spent on a.xml


def test_slow_sitemaps_are_fetched_concurrently_and_the_crawl_has_a_deadline(
    servers: Servers, tmp_path: Path
) -> None:
    slow = [f"/slow{i}.xml" for i in range(6)]
    pages = [f"/p{i}.html" for i in range(30)]
    routes = {p: Reply(body=b"", delay_s=6.0) for p in slow}  # never within timeout_s
    routes |= {p: Reply(body=html(text=p).body, delay_s=1.0) for p in pages}
    routes["/robots.txt"] = Reply(
        body="".join(f"Sitemap: {PUBLIC}{p}\n" for p in slow).encode(), content_type="text/plain"
    )
    routes["/"] = html(*[PUBLIC + p for p in pages], text="Start")
    srv = servers.start(routes)
    source = source_for(PUBLIC, srv.origin, timeout_s=2.0, concurrency=2, max_crawl_s=8.0)
    t0 = time.monotonic()
    manifest = run_crawl(source, tmp_path)
    elapsed = time.monotonic() - t0
    assert elapsed <= source.max_crawl_s + 5, elapsed
    # 6 sitemaps in rounds of 2: three timeouts of ~2 s (one after another they were 6 x 2 s)
    assert "new" in {r.status for r in manifest.records}
    assert sum(r.status == "new" for r in manifest.records) < len(pages)  # stopped by the deadline
