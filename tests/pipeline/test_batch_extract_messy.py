"""The batch pipeline (process pool) does what a source-wide extraction does: link texts reach the documents
(title candidates), and lines repeated across the source's documents (letterheads) leave the pages once every
batch is done; on datasets/messy-site's letters and document list."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from auskunft.crawl import RawStore
from auskunft.extract import DocumentStore
from auskunft.models import CrawlManifest, CrawlRecord, utcnow
from tests.support.extraction import extract_run

SITE = Path(__file__).resolve().parents[2] / "datasets" / "messy-site"
ORIGIN = "http://localhost:8766"
FILES = [
    "dokumente/index.html",
    "dokumente/Einladung_MV_2025_final.pdf",
    "dokumente/Mitteilung_Beitragsänderung.pdf",
    "dokumente/Pressemitteilung_Sommerfest_2025.pdf",
    "dokumente/Stellungnahme_Bebauungsplan-47_V002-final.pdf",
    "dokumente/Satzung-überarbeitet_V002.pdf",
]
PHONE_OLD = "06441 555-2041"  # the letterhead's number


def test_batches_get_link_texts_and_the_source_wide_letterhead_pass(tmp_path: Path) -> None:
    raw = RawStore(tmp_path / "raw")
    records = []
    for rel in FILES:
        body = (SITE / rel).read_bytes()
        url = ORIGIN + quote("/" + rel.removesuffix("index.html"))
        ctype = "text/html" if rel.endswith(".html") else "application/pdf"
        records.append(
            CrawlRecord(url=url, source="messy", status="new", content_type=ctype, sha256=raw.put(body))
        )
    manifest = CrawlManifest(source="messy", run_id="r1", started_at=utcnow(), records=records)
    # batches of two: the letterhead is only seen as repeated across the three batches
    report = extract_run(manifest, tmp_path, batch_docs=2)
    assert not report.failures and report.extracted == len(FILES)
    docs = {d.url.rsplit("/", 1)[-1]: d for d in DocumentStore(tmp_path / "docs").iter_source("messy")}
    satzung = docs[quote("Satzung-überarbeitet_V002.pdf")]
    assert satzung.link_texts == ["Satzung (Fassung vom 14. März 2025)"]
    letters = [d for name, d in docs.items() if name.endswith(".pdf") and "Satzung" not in name]
    assert len(letters) == 4
    for doc in letters:
        assert PHONE_OLD not in doc.markdown, doc.url
        assert any(PHONE_OLD in line for line in doc.boilerplate), doc.url
    # single-page letters only lose it in the source-wide pass (a letter of several pages already on its own)
    assert report.boilerplate_updated and set(report.boilerplate_updated) <= {d.doc_id for d in letters}
