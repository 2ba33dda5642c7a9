"""Run one bomb the way production runs it, in this process, and print what it cost (for the bomb tests).

    python -m tests.security.bomb_runs extract KIND FILE MEMORY_MB TIME_S
        FILE extracted as a pool worker does (pipeline.worker's initializer and `_extract_one`: a forked
        child under DocLimits); the PSS of this process's tree (the worker, its extraction child, any
        tesseract) before the document and at its peak
    python -m tests.security.bomb_runs crawl SOURCE_JSON [RENDER_MEMORY_MB]
        a crawl of the source (crawl.Crawler, render_memory_mb passed as an entry point does); the PSS peak of
        this process's tree (crawler, playwright's driver, chromium), chromium's own idle and peak PSS (the
        watchdog's figures), the time and the records

The last line printed is the JSON result. Trees are sampled every 0.1 s.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _sampled(fn: Callable[[], Any]) -> tuple[Any, float, float, float]:
    """fn()'s result, the tree PSS before it, the tree's peak while it ran, and its seconds."""
    from auskunft.proctree import tree_pss_mb

    base = tree_pss_mb(os.getpid())
    peak = [base]
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.1):
            peak[0] = max(peak[0], tree_pss_mb(os.getpid()))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    t0 = time.monotonic()
    try:
        result = fn()
    finally:
        done.set()
        watcher.join()
    return result, base, peak[0], time.monotonic() - t0


def extract(kind: str, path: str, memory_mb: int, time_s: float) -> dict[str, Any]:
    from auskunft.crawl import RawStore
    from auskunft.extract import extractor  # noqa: F401 - the worker imports it before its first document
    from auskunft.extract.limits import DocLimits
    from auskunft.models import CrawlRecord
    from auskunft.pipeline import worker

    with tempfile.TemporaryDirectory() as tmp:
        raw = RawStore(Path(tmp) / "raw")
        (Path(tmp) / "run").mkdir()
        job = worker.BatchJob(
            run_dir=Path(tmp) / "run",
            source="bombs",
            raw_dir=Path(tmp) / "raw",
            cache_dir=Path(tmp) / "cache",
            documents_dir=Path(tmp) / "docs",
            limits=DocLimits(memory_mb=memory_mb, time_s=time_s),
        )
        worker._init_child(job)
        record = CrawlRecord(
            url=f"https://www.example.org/bomb.{kind}",
            source="bombs",
            status="new",
            content_type="application/pdf" if kind == "pdf" else "text/html",
            sha256=raw.put(Path(path).read_bytes()),
        )
        outcome, base, peak, seconds = _sampled(lambda: worker._extract_one(record))
    return {
        "worker_mb": base,
        "peak_mb": peak,
        "document_mb": peak - base,
        "seconds": seconds,
        "ok": outcome.doc is not None,
        "reason": outcome.failure.reason if outcome.failure else "",
    }


def crawl(source_json: str, render_memory_mb: int | None = None) -> dict[str, Any]:
    from auskunft.crawl import CrawlState, RawStore
    from auskunft.crawl.crawler import Crawler, run_sync
    from auskunft.models import Source

    source = Source.model_validate_json(source_json)
    with tempfile.TemporaryDirectory() as tmp:
        crawler = Crawler(
            source,
            RawStore(Path(tmp) / "raw"),
            CrawlState(Path(tmp) / "state", source.name),
            render_memory_mb=render_memory_mb,
        )
        manifest, _, peak, seconds = _sampled(lambda: run_sync(crawler.run("bomb")))
    browser = crawler.renderer.browser if crawler.renderer is not None else None
    return {
        "tree_peak_pss_mb": peak,
        "browser_idle_mb": browser.idle_mb if browser else 0.0,
        "browser_peak_mb": browser.peak_mb if browser else 0.0,
        "seconds": seconds,
        "records": {r.url: [r.status, r.rendered, r.size, r.error] for r in manifest.records},
    }


if __name__ == "__main__":
    if sys.argv[1] == "extract":
        out = extract(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]))
    else:
        out = crawl(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else None)
    print(json.dumps(out))
