"""Extraction throughput on the demo site: HTML pages/s, PDF pages/s with a text layer, OCR pages/s, peak RSS.

    .venv/bin/python bench/extract_bench.py [--rounds N] [--site datasets/messy-site]

Old vs new extractor: run it twice, once with PYTHONPATH pointing at an older checkout's src/.

No cache: every round extracts from the raw bytes again. OCR runs tesseract (deu+eng) at 200 dpi.
CPU ms/page (this process + tesseract subprocesses) is the figure to compare on a busy machine.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from auskunft.extract.extractor import extract_content
from auskunft.extract.pdf import needs_ocr, open_pdf

SITE = Path(__file__).resolve().parents[1] / "datasets" / "demo-site"


def cpu_seconds() -> float:
    """CPU time of this process and its children (tesseract runs as a subprocess)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def rate(bodies: list[bytes], kind: str, rounds: int, pages_of) -> tuple[float, int, float, float]:  # noqa: ANN001
    pages = 0
    t0, c0 = time.perf_counter(), cpu_seconds()
    for _ in range(rounds):
        for body in bodies:
            extract_content(kind, body)
            pages += pages_of(body)
    seconds, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    return pages / seconds, pages, seconds, cpu / pages


def pdf_pages(body: bytes) -> int:
    doc = open_pdf(body)
    try:
        return doc.page_count
    finally:
        doc.close()


def split_pdfs(site: Path) -> tuple[list[bytes], list[bytes]]:
    text, scans = [], []
    for path in sorted(site.rglob("*.pdf")):
        body = path.read_bytes()
        doc = open_pdf(body)
        (scans if any(needs_ocr(p) for p in doc) else text).append(body)
        doc.close()
    return text, scans


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--site", type=Path, default=SITE, help="folder with *.html and *.pdf files")
    args = parser.parse_args()
    html = [p.read_bytes() for p in sorted(args.site.rglob("*.html"))]
    text_pdfs, scans = split_pdfs(args.site)
    extract_content("pdf", text_pdfs[0])  # warm-up: imports, layout model
    rows = [
        ("HTML", *rate(html, "html", args.rounds * 20, lambda b: 1)),
        ("PDF text layer", *rate(text_pdfs, "pdf", args.rounds, pdf_pages)),
        ("PDF OCR (tesseract)", *rate(scans, "pdf", args.rounds, pdf_pages)) if scans else None,
        ("PDF all", *rate(text_pdfs + scans, "pdf", args.rounds, pdf_pages)),
    ]
    for row in rows:
        if row is None:
            continue
        name, per_s, pages, seconds, cpu_per_page = row
        print(
            f"{name:22s} {per_s:9.2f} pages/s wall   {cpu_per_page * 1000:8.1f} ms CPU/page   "
            f"({pages} pages in {seconds:.2f} s)"
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'peak RSS':22s} {peak_mb:9.0f} MB")


if __name__ == "__main__":
    main()
