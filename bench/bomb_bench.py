"""Peak RSS of fetching Content-Encoding decompression bombs: the fetcher before issue 10 vs now.

Bombs (1 GiB of zeros each by default, as in the probe report 2026-11 item 7.11) are served by a loopback
server: gzip, "gzip, gzip" (stacked), zstd, br. Each fetch runs in its own child process, which reports
its peak RSS (ru_maxrss) with the budget max_bytes = 30 MB (the default max_file_bytes). "old" is the
fetcher at commit c57c429 (loaded from git); "new" is the working tree. Finally one whole crawl (new code)
of a site whose pages and PDF are all these bombs, in a child process.

    .venv/bin/python bench/bomb_bench.py              # old and new, 1 GiB bombs (old needs ~2.2 GB RAM)
    .venv/bin/python bench/bomb_bench.py --only new --size-mib 256

Round two (probe 2026-12, crawled content): `--crawled` runs the hostile pages, sitemaps and PDFs of
bench/crawled_bombs.py with the code of commit 28b0a89 ("old": a git worktree in the temp dir, run with this
.venv and PYTHONPATH at its src) and the working tree ("new"), each case in its own child process whose
process tree's PSS is sampled every 0.1 s; a child past --cap-mb or --old-timeout is killed by the bench
(reported as such: the old code would have gone on).

    .venv/bin/python bench/bomb_bench.py --crawled
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OLD_COMMIT = "c57c429"
MAX_BYTES = 30_000_000
CACHE = Path(tempfile.gettempdir()) / "auskunft-bomb-bench"


def make_bombs(size_mib: int) -> dict[str, tuple[bytes, str]]:
    """name -> (wire bytes, Content-Encoding); cached in the temp dir (the 1 GiB gzip takes ~15 s)."""
    import brotli
    import zstandard

    CACHE.mkdir(exist_ok=True)
    zero = b"\0" * (1 << 20)

    def cached(name: str, build: object) -> bytes:
        path = CACHE / f"{name}-{size_mib}m"
        if not path.exists():
            path.write_bytes(build())  # type: ignore[operator]
        return path.read_bytes()

    def gz() -> bytes:
        c = zlib.compressobj(9, zlib.DEFLATED, 31)
        return b"".join(c.compress(zero) for _ in range(size_mib)) + c.flush()

    def zs() -> bytes:
        c = zstandard.ZstdCompressor(level=3).compressobj()
        return b"".join(c.compress(zero) for _ in range(size_mib)) + c.flush()

    def br() -> bytes:
        c = brotli.Compressor(quality=1)
        return b"".join(c.process(zero) for _ in range(size_mib)) + c.finish()

    gzip_bomb = cached("gzip", gz)
    return {
        "gzip": (gzip_bomb, "gzip"),
        "gzip-gzip": (cached("gzip2", lambda: gzip.compress(gzip_bomb)), "gzip, gzip"),
        "zstd": (cached("zstd", zs), "zstd"),
        "br": (cached("br", br), "br"),
    }


def serve(bombs: dict[str, tuple[bytes, str]]) -> tuple[http.server.ThreadingHTTPServer, int]:
    routes = {f"/{name}.html": (wire, enc, "text/html") for name, (wire, enc) in bombs.items()}
    routes["/doc.pdf"] = (bombs["zstd"][0], "zstd", "application/pdf")
    links = "".join(f'<a href="{p}">{p}</a>' for p in routes)
    index = f"<html><body>{links}</body></html>".encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def do_GET(self) -> None:  # noqa: N802
            wire, enc, ctype = routes.get(self.path, (index, "identity", "text/html"))
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Encoding", enc)
            self.send_header("Content-Length", str(len(wire)))
            self.end_headers()
            try:
                self.wfile.write(wire)
            except (BrokenPipeError, ConnectionResetError):
                pass

    class Server(http.server.ThreadingHTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            pass  # clients that stop reading a bomb reset the connection: expected

    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, httpd.server_address[1]


def load_old_fetcher() -> object:
    """The fetcher module of OLD_COMMIT, with its guard, as a throwaway package in the temp dir."""
    pkg = CACHE / "oldcrawl"
    pkg.mkdir(parents=True, exist_ok=True)
    (pkg / "__init__.py").write_text("")
    for name in ("fetcher", "guard"):
        src = subprocess.run(
            ["git", "-C", str(REPO), "show", f"{OLD_COMMIT}:src/auskunft/crawl/{name}.py"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        (pkg / f"{name}.py").write_text(src.replace("auskunft.crawl.guard", "oldcrawl.guard"))
    sys.path.insert(0, str(CACHE))
    import oldcrawl.fetcher  # type: ignore[import-not-found]

    return oldcrawl.fetcher


def child(mode: str, url: str) -> None:
    import asyncio

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    port = int(url.split(":")[2].split("/")[0])
    if mode == "crawl":
        from auskunft.crawl import CrawlState, RawStore, crawl_source
        from auskunft.models import Source

        with tempfile.TemporaryDirectory() as tmp:
            source = Source(name="bombs", start_urls=[url], allow_private=True, use_sitemap=False,
                            respect_robots=False, max_file_bytes=MAX_BYTES, rate_limit_per_s=100)  # fmt: skip
            manifest = crawl_source(
                source, raw_store=RawStore(Path(tmp) / "raw"), state=CrawlState(Path(tmp) / "state", "bombs")
            )
        skipped = [r for r in manifest.records if r.status == "skipped"]
        outcome = f"{len(skipped)} of {len(manifest.records)} URLs skipped: " + "; ".join(
            sorted({(r.error or "")[:60] for r in skipped})
        )
    else:
        if mode == "old":
            module: object = load_old_fetcher()
            kw: dict[str, object] = {"trusted_hosts": frozenset({"127.0.0.1"})}
        else:
            from auskunft.crawl import fetcher as module  # type: ignore[no-redef]

            kw = {"trusted_origins": frozenset({("http", "127.0.0.1", port)})}
        f = module.Fetcher(  # type: ignore[attr-defined]
            user_agent="bench", timeout_s=60, max_bytes=MAX_BYTES, allow_private=True,
            limiter=module.RateLimiter(100, 4), **kw,  # type: ignore[attr-defined]
        )  # fmt: skip

        async def go() -> str:
            try:
                res = await f.fetch(url, accept_kinds=("any",))
                return f"fetched {len(res.body or b'')} bytes"
            except Exception as exc:  # noqa: BLE001 - the outcome is what we report
                return f"{type(exc).__name__}: {exc}"
            finally:
                await f.aclose()

        outcome = asyncio.run(go())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"before_mb": before / 1024, "peak_mb": peak / 1024, "s": time.perf_counter() - t0,
                      "outcome": outcome}))  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--only", choices=["old", "new"], default=None)
    ap.add_argument("--child", nargs=2, metavar=("MODE", "URL"), help=argparse.SUPPRESS)
    ap.add_argument("--crawled", action="store_true", help="round two: crawled-content bombs, old vs new")
    ap.add_argument("--cap-mb", type=int, default=3000, help="--crawled: kill a child past this PSS")
    ap.add_argument("--old-timeout", type=float, default=120.0, help="--crawled: kill a child after this")
    ap.add_argument("--case", default="", help="--crawled: only cases whose label contains this")
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    if args.crawled:
        from crawled_bombs import run_all  # type: ignore[import-not-found]

        run_all(cap_mb=args.cap_mb, timeout_s=args.old_timeout, only=args.only, case=args.case)
        return
    bombs = make_bombs(args.size_mib)
    httpd, port = serve(bombs)
    modes = [args.only] if args.only else ["old", "new"]
    print(f"bombs: {args.size_mib} MiB of zeros each; max_bytes {MAX_BYTES}; peak RSS of a child process")
    print(f"{'bomb':<10} {'wire bytes':>10} {'mode':<5} {'peak MB':>8} {'s':>6}  outcome")
    rows = [(name, mode) for name in bombs for mode in modes] + [("crawl", "new")]
    for name, mode in rows:
        url = f"http://127.0.0.1:{port}/" + ("" if name == "crawl" else f"{name}.html")
        out = subprocess.run(
            [sys.executable, __file__, "--child", "crawl" if name == "crawl" else mode, url],
            capture_output=True,
            text=True,
            cwd=REPO,
        )
        try:
            r = json.loads(out.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            print(f"{name:<10} {mode:<5} child failed: {out.stderr.strip()[-300:]}")
            continue
        wire = len(bombs[name][0]) if name in bombs else 0
        print(f"{name:<10} {wire:>10} {mode:<5} {r['peak_mb']:>8.0f} {r['s']:>6.1f}  {r['outcome'][:110]}")
    httpd.shutdown()


if __name__ == "__main__":
    main()
