"""The extract step over a crawl manifest (batches in a worker process, as a run does): statuses, cache,
store, failures that never stop the batch."""

from __future__ import annotations

import os
from pathlib import Path

import pymupdf

from auskunft.crawl import RawStore
from auskunft.extract import DocumentStore, ExtractionCache, extract_document
from auskunft.extract.extractor import extract_record
from auskunft.extract.limits import DocLimits
from auskunft.models import CrawlManifest, CrawlRecord, doc_id_for, sha256_bytes, utcnow
from tests.conftest import DEMO_SITE
from tests.support.extraction import extract_run

BASE = "http://localhost:8765"


def rec(raw: RawStore, path: str, body: bytes, status: str = "new", ctype: str | None = None) -> CrawlRecord:
    if ctype is None:
        ctype = "application/pdf" if path.endswith(".pdf") else "text/html; charset=utf-8"
    return CrawlRecord(
        url=f"{BASE}/{path}",
        source="demo",
        status=status,
        content_type=ctype,  # type: ignore[arg-type]
        sha256=raw.put(body),
        size=len(body),
    )


def demo_bytes(path: str) -> bytes:
    return (DEMO_SITE / path).read_bytes()


def run(manifest: CrawlManifest, raw: RawStore, tmp: Path):  # noqa: ANN201
    return extract_run(manifest, tmp)


def manifest(*records: CrawlRecord) -> CrawlManifest:
    return CrawlManifest(source="demo", run_id="r", started_at=utcnow(), records=list(records))


def test_statuses_store_and_cache(tmp_path: Path) -> None:
    raw = RawStore(tmp_path / "raw")
    html = ["index.html", "verband/praesidium.html", "wettkampf/regeln.html"]
    first = manifest(
        *(rec(raw, p, demo_bytes(p)) for p in html),
        rec(raw, "dokumente/beitragsordnung-2026.pdf", demo_bytes("dokumente/beitragsordnung-2026.pdf")),
    )
    report = run(first, raw, tmp_path)
    assert len(report.documents) == 4 and report.cached == 0 and not report.failures
    store = DocumentStore(tmp_path / "docs")
    doc = store.load("demo", doc_id_for(f"{BASE}/dokumente/beitragsordnung-2026.pdf"))
    assert doc is not None and doc.kind == "pdf" and [p.number for p in doc.pages] == [1, 2]
    assert doc.language == "de" and doc.title == "Beitragsordnung 2026"
    assert {d.url for d in store.iter_source("demo")} == {r.url for r in first.records}

    # second run: the same bodies come back as changed/new under other URLs -> all from the cache
    second = manifest(
        *(r.model_copy(update={"status": "changed"}) for r in first.records),
        rec(raw, "verband/praesidium-kopie.html", demo_bytes("verband/praesidium.html")),
    )
    report = run(second, raw, tmp_path)
    assert report.cached == 5 and len(report.documents) == 5 and not report.failures
    copy = store.load("demo", doc_id_for(f"{BASE}/verband/praesidium-kopie.html"))
    assert (
        copy is not None and copy.url.endswith("praesidium-kopie.html") and "Dr. Hanna Vogt" in copy.markdown
    )

    # third run: unchanged are skipped entirely, gone are deleted, failed/skipped passed through
    third = manifest(
        first.records[0].model_copy(update={"status": "unchanged"}),
        first.records[1].model_copy(update={"status": "gone"}),
        CrawlRecord(url=f"{BASE}/tot.html", source="demo", status="failed", error="HTTP 404"),
        CrawlRecord(url=f"{BASE}/intern/x.html", source="demo", status="skipped", error="robots.txt"),
    )
    report = run(third, raw, tmp_path)
    assert report.unchanged == 1 and report.documents == [] and report.failures == []
    assert report.removed == [doc_id_for(first.records[1].url)]
    assert store.load("demo", report.removed[0]) is None
    assert store.load("demo", doc_id_for(first.records[0].url)) is not None


def _encrypted() -> bytes:
    return pymupdf.open(DEMO_SITE / "dokumente" / "satzung.pdf").tobytes(
        encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="o", user_pw="u"
    )


def test_bad_inputs_become_failures_and_the_batch_goes_on(tmp_path: Path) -> None:
    raw = RawStore(tmp_path / "raw")
    good_pdf = demo_bytes("dokumente/jugendordnung.pdf")
    huge = b"%PDF-1.4\n" + os.urandom(1024) * (50 * 1024)  # 50 MB, generated here
    bad = {
        "kaputt/truncated.pdf": (good_pdf[: len(good_pdf) // 3], None),
        "kaputt/encrypted.pdf": (_encrypted(), None),
        "kaputt/zero.pdf": (b"", None),
        "kaputt/garbage.pdf": (os.urandom(5000), None),
        "kaputt/huge.pdf": (huge, None),
        "kaputt/binary.html": (bytes(range(256)) * 40, None),
        "kaputt/leer.html": (b"<html><body><nav>Start</nav></body></html>", None),
    }
    records = [rec(raw, p, body) for p, (body, _) in bad.items()]
    records.insert(3, rec(raw, "dokumente/jugendordnung.pdf", good_pdf))
    records.append(rec(raw, "jugend/index.html", demo_bytes("jugend/index.html")))
    report = run(manifest(*records), raw, tmp_path)
    assert len(report.documents) == 2
    reasons = {f.url.rsplit("/", 1)[-1]: f.reason for f in report.failures}
    assert set(reasons) == {p.rsplit("/", 1)[-1] for p in bad}
    assert "truncated" in reasons["truncated.pdf"]
    assert "encrypted" in reasons["encrypted.pdf"]
    assert "zero bytes" in reasons["zero.pdf"]
    assert "too large" in reasons["huge.pdf"]
    assert "binary" in reasons["binary.html"]
    assert "not a PDF" in reasons["garbage.pdf"]
    assert all(r for r in reasons.values())
    assert all(f.sha256 for f in report.failures)


def test_failed_reextraction_removes_stale_document(tmp_path: Path) -> None:
    raw = RawStore(tmp_path / "raw")
    good = rec(raw, "kontakt/index.html", demo_bytes("kontakt/index.html"))
    run(manifest(good), raw, tmp_path)
    broken = rec(raw, "kontakt/index.html", b"\x00\x01\x02" * 100, status="changed")
    report = run(manifest(broken), raw, tmp_path)
    assert len(report.failures) == 1
    assert DocumentStore(tmp_path / "docs").load("demo", doc_id_for(good.url)) is None


def test_a_new_extractor_failing_on_the_same_file_keeps_the_text_read_before(tmp_path: Path) -> None:
    """An upgrade re-extracts every file; one that the new version cannot read within its limits (memory, time)
    keeps the text the old version read from the same bytes instead of leaving the index."""
    raw = RawStore(tmp_path / "raw")
    body = demo_bytes("dokumente/satzung.pdf")
    record = rec(raw, "dokumente/satzung.pdf", body, status="unchanged")
    store = DocumentStore(tmp_path / "docs")
    before = extract_document(record, body).model_copy(update={"extractor": "pdf-pymupdf4llm@0"})
    store.save(before)
    out = extract_record(
        record,
        raw_get=raw.get,
        cache=ExtractionCache(tmp_path / "cache"),
        store=store,
        limits=DocLimits(time_s=0.001),  # the new version runs out of time
    )
    assert out.doc is None and out.failure is not None
    assert "time limit" in out.failure.reason and "pdf-pymupdf4llm@0" in out.failure.reason
    assert store.load("demo", before.doc_id) == before
    # other bytes that fail: the document goes (test_failed_reextraction_removes_stale_document)
    changed = rec(raw, "dokumente/satzung.pdf", body[: len(body) // 2], status="changed")
    extract_record(changed, raw_get=raw.get, cache=ExtractionCache(tmp_path / "cache"), store=store)
    assert store.load("demo", before.doc_id) is None


def test_extract_document_uses_record_metadata() -> None:
    body = demo_bytes("kontakt/index.html")
    r = CrawlRecord(
        url=f"{BASE}/kontakt/",
        source="demo",
        status="new",
        content_type="text/html",
        sha256=sha256_bytes(body),
    )
    doc = extract_document(r, body)
    assert doc.doc_id == doc_id_for(r.url) and doc.source == "demo" and doc.crawled_at == r.fetched_at
    assert doc.kind == "html" and doc.pages[0].number is None and doc.extractor.startswith("html-")
    assert "Kanustraße 12, 47051 Duisburg" in doc.markdown
