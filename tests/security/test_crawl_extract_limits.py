"""Every extraction runs under hard limits of its own (probe 2026-12 N11 extraction, N21, N22).

The PDF time budget was checked between pages, so one mupdf call ran on: a one-page PDF whose /Contents names
one stream 300,000 times took 4.7 GB and 263 s; 200,000 vector lines ran 112 s on a 10 s budget. Now each
document is extracted in a forked child with an address-space limit and a deadline after which the child
is killed (extract/limits.py): the document fails with the reason, the batch goes on.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from auskunft.crawl import RawStore
from auskunft.errors import ExtractionError
from auskunft.extract.extractor import extract_body
from auskunft.extract.limits import DocLimits, LimitExceeded, run_limited
from auskunft.models import CrawlManifest, CrawlRecord, Source, utcnow
from auskunft.pipeline.extract import extract_step
from auskunft.pipeline.runs import MANIFEST, write_json
from auskunft.pipeline.worker import BatchJob
from tests.security.crawl_bombs import content_array_pdf, vector_lines_pdf

PEAK_MB = 500
LIMITS = DocLimits(memory_mb=200, time_s=20)  # above the forking process (pytest: ~300 MB RSS)
PAGE = b"<html><head><title>Satzung</title></head><body><main><h1>Satzung</h1><p>Der Verein hat seinen Sitz in Wetzlar.</p></main></body></html>"


def _limited(body: bytes, limits: DocLimits = LIMITS) -> tuple[LimitExceeded, float]:
    t0 = time.monotonic()
    with pytest.raises(LimitExceeded) as err:
        run_limited(extract_body, "pdf", body, limits=limits, time_budget_s=0.9 * limits.time_s)
    return err.value, time.monotonic() - t0


def test_results_and_errors_come_back_from_the_child() -> None:
    content = run_limited(extract_body, "html", PAGE, limits=LIMITS)
    assert "Wetzlar" in content.pages[0].markdown
    with pytest.raises(ExtractionError, match="empty HTML document"):
        run_limited(extract_body, "html", b"  ", limits=LIMITS)


@pytest.mark.slow
def test_content_array_bomb_stops_within_the_limits() -> None:
    err, seconds = _limited(content_array_pdf(300_000))
    assert seconds <= LIMITS.time_s + 5, seconds
    assert err.peak_mb <= PEAK_MB, err.peak_mb
    assert "limit" in str(err)


@pytest.mark.slow
def test_vector_path_bomb_stops_at_the_deadline() -> None:
    limits = DocLimits(memory_mb=200, time_s=10)
    err, seconds = _limited(vector_lines_pdf(200_000), limits)
    assert seconds <= limits.time_s + 5, seconds
    assert err.peak_mb <= PEAK_MB, err.peak_mb


@pytest.mark.slow
def test_dom_bomb_snapshot_extraction_stops_at_the_memory_limit() -> None:
    """A rendered DOM bomb cut to 25 MB (under the 30 MB file limit) is still a bs4 tree of GBs."""
    body = (
        b"<html><body><main>"
        + b"".join(b"<p>Wort %d</p>" % i for i in range(1_500_000))
        + b"</main></body></html>"
    )
    t0 = time.monotonic()
    with pytest.raises(LimitExceeded, match="(memory|time) limit") as err:
        run_limited(extract_body, "html", body, limits=LIMITS)
    assert time.monotonic() - t0 <= LIMITS.time_s + 5
    assert err.value.peak_mb <= PEAK_MB, err.value.peak_mb


@pytest.mark.slow
def test_batch_counts_the_bombs_and_keeps_every_other_document(tmp_path: Path) -> None:
    raw = RawStore(tmp_path / "raw")
    origin = "https://www.example.org"
    bodies = {
        "/content-array.pdf": content_array_pdf(300_000),
        "/lines.pdf": vector_lines_pdf(200_000),
        "/satzung.html": PAGE,
    }
    records = [
        CrawlRecord(
            url=origin + path,
            source="bombs",
            status="new",
            content_type="application/pdf" if path.endswith(".pdf") else "text/html",
            sha256=raw.put(body),
        )
        for path, body in bodies.items()
    ]
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    write_json(
        run_dir / MANIFEST, CrawlManifest(source="bombs", run_id="r", started_at=utcnow(), records=records)
    )
    limits = DocLimits(memory_mb=200, time_s=10)
    job = BatchJob(
        run_dir=run_dir,
        source="bombs",
        raw_dir=tmp_path / "raw",
        cache_dir=tmp_path / "cache",
        documents_dir=tmp_path / "docs",
        ocr=True,
        limits=limits,
    )
    t0 = time.monotonic()
    report = extract_step(
        Source(name="bombs", start_urls=[origin + "/"]),
        run_dir=run_dir,
        raw_dir=tmp_path / "raw",
        cache_dir=tmp_path / "cache",
        documents_dir=tmp_path / "docs",
        ocr_languages="deu+eng",
        nougat_model_path=None,
        processes=1,
        batch_docs=1,
        job=job,
    )
    elapsed = time.monotonic() - t0
    assert report.extracted == 1 and len(report.documents) == 1
    reasons = {f.url.rsplit("/", 1)[-1]: f.reason for f in report.failures}
    assert set(reasons) == {"content-array.pdf", "lines.pdf"}, reasons
    assert all("limit" in r for r in reasons.values()), reasons
    # two bombs one after another in one worker, plus the pool's start
    assert elapsed <= 2 * (limits.time_s + 5) + 20, elapsed
