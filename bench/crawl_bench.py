"""Crawl step benchmark (HTTP mode, loopback servers): first crawl vs unchanged re-crawl, pages/s, peak RSS.

Sites: the shared ackersyndikat site, datasets/demo-site, and a synthetic site of N linked pages (default
400, 8 kB each) that gives a steadier pages/s figure. Each site is crawled into a fresh data folder, then
re-crawled unchanged (conditional GETs answered 304). The "lastmod" row re-crawls the synthetic site with
`trust_sitemap_lastmod: true` (its sitemap carries <lastmod>): unchanged entries are not requested at all.
`--render` adds a render_js crawl of the demo site.

The site server (auskunft.devserver, ETag + 304) runs in a separate process, as a real web server would,
with TCP_NODELAY (http.server's default Nagle + delayed ACK otherwise adds ~40 ms to every response with
a body, which would measure the test server instead of the crawler). `--latency-ms` delays every
response server-side, a crude model of a remote site.

Usage: .venv/bin/python bench/crawl_bench.py [--pages 400] [--repeat 3] [--render] [--latency-ms 0]
"""

from __future__ import annotations

import argparse
import logging
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from auskunft.crawl import CrawlState, RawStore, crawl_source  # noqa: E402
from auskunft.models import CrawlManifest, Source  # noqa: E402

SERVER = """
import http.server, sys, time
from auskunft.devserver import serve_directory
http.server.SimpleHTTPRequestHandler.disable_nagle_algorithm = True
delay = float(sys.argv[2]) / 1000
if delay:  # every request, 304s included
    _parse_request = http.server.BaseHTTPRequestHandler.parse_request
    def parse_request(self):
        time.sleep(delay)
        return _parse_request(self)
    http.server.BaseHTTPRequestHandler.parse_request = parse_request
with serve_directory(sys.argv[1]) as srv:
    print(srv.origin, flush=True)
    sys.stdin.read()
"""


class SiteProcess:
    """serve_directory in a child process; the origin is read from its first output line."""

    def __init__(self, root: Path, latency_ms: float) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(root), str(latency_ms)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={"PYTHONPATH": str(REPO / "src")},
        )
        assert self.proc.stdout is not None
        self.origin = self.proc.stdout.readline().strip()

    def __enter__(self) -> SiteProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


ACKER = REPO.parent / "shared" / "sites" / "ackersyndikat" / "site"
DEMO = REPO / "datasets" / "demo-site"


def synthetic_site(root: Path, pages: int) -> Path:
    """A tree of pages: each links to its parent's siblings and up to 5 children (depth ~4)."""
    filler = "<p>" + "Lorem ipsum dolor sit amet, Kanupolo Verband Satzung Beitrag. " * 120 + "</p>"
    for i in range(pages):
        links = [f"/p/{c}.html" for c in range(5 * i + 1, min(5 * i + 6, pages))] + [
            "/",
            f"/p/{max(i - 1, 1)}.html",
        ]
        anchors = " ".join(f'<a href="{u}">{u}</a>' for u in links)
        path = root / ("index.html" if i == 0 else f"p/{i}.html")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            f"<!DOCTYPE html><html><head><title>Seite {i}</title></head><body>{filler}{anchors}</body></html>"
        )
    entries = "".join(
        f"<url><loc>https://synth.example/{'' if i == 0 else f'p/{i}.html'}</loc>"
        f"<lastmod>2026-0{1 + i % 9}-01</lastmod></url>"
        for i in range(pages)
    )
    (root / "sitemap.xml").write_text(
        f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
    )
    return root


def crawl(source: Source, data: Path) -> tuple[float, CrawlManifest]:
    t0 = time.perf_counter()
    manifest = crawl_source(
        source, raw_store=RawStore(data / "raw"), state=CrawlState(data / "state", source.name)
    )
    return time.perf_counter() - t0, manifest


def bench_site(
    name: str,
    root: Path,
    public: str,
    repeat: int,
    render: bool = False,
    latency_ms: float = 0,
    trust_lastmod: bool = False,
) -> None:
    firsts, seconds, pages = [], [], 0
    with SiteProcess(root, latency_ms) as srv:
        source = Source(
            name="bench",
            start_urls=[public + "/"],
            host_aliases={public: srv.origin},
            allow_private=True,
            rate_limit_per_s=10_000,
            concurrency=4,
            max_pages=100_000,
            max_depth=50,
            render_js=render,
            trust_sitemap_lastmod=trust_lastmod,
        )
        for _ in range(repeat):
            with tempfile.TemporaryDirectory() as tmp:
                first_s, first = crawl(source, Path(tmp))
                second_s, second = crawl(source, Path(tmp))
            counts, again = first.counts(), second.counts()
            assert again["unchanged"] == counts["new"], (counts, again)
            pages = sum(1 for r in first.records if r.content_type == "text/html" and r.status == "new")
            firsts.append(first_s)
            seconds.append(second_s)
    first_s, second_s = statistics.median(firsts), statistics.median(seconds)
    print(
        f"{name:<22} {counts['new']:>5} {pages:>5} {first_s:>8.3f} {pages / first_s:>9.1f} "
        f"{second_s:>8.3f} {first_s / second_s:>7.1f}x"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=400, help="pages of the synthetic site")
    parser.add_argument("--repeat", type=int, default=3, help="runs per site (median reported)")
    parser.add_argument(
        "--render", action="store_true", help="also crawl the demo site with render_js (chromium)"
    )
    parser.add_argument("--latency-ms", type=float, default=0.0, help="server-side delay per response")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(f"{'site':<22} {'docs':>5} {'html':>5} {'first_s':>8} {'html/s':>9} {'recrawl':>8} {'speedup':>8}")
    lat = args.latency_ms
    bench_site("ackersyndikat", ACKER, "https://ackersyndikat.org", args.repeat, latency_ms=lat)
    bench_site("demo-site", DEMO, "http://localhost:8765", args.repeat, latency_ms=lat)
    with tempfile.TemporaryDirectory() as tmp:
        site = synthetic_site(Path(tmp), args.pages)
        bench_site(f"synthetic-{args.pages}", site, "https://synth.example", args.repeat, latency_ms=lat)
        bench_site(
            f"synthetic-{args.pages} lastmod",
            site,
            "https://synth.example",
            args.repeat,
            latency_ms=lat,
            trust_lastmod=True,
        )
    if args.render:
        bench_site("demo-site render_js", DEMO, "http://localhost:8765", 1, render=True, latency_ms=lat)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the crawling process: {rss_mb:.0f} MB (servers run in child processes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
