"""PDF -> markdown per page with layout (pymupdf4llm: reading order across columns, headings, tables).

Pages without a text layer (fewer than MIN_TEXT_CHARS characters on a page that has images) are OCR'd
page by page by tesseract (`ocr.py`); every other page goes through pymupdf4llm's layout analysis in one
call with its own OCR switched off. Page numbers are kept (1-based) for citations; a page with no text at
all keeps its place as an empty page.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import time

import pymupdf

from auskunft.errors import ExtractionError
from auskunft.extract.ocr import DEFAULT_DPI, ocr_page
from auskunft.models import PageText

log = logging.getLogger(__name__)

NAME = "pdf-pymupdf4llm"
VERSION = "2"
MIN_TEXT_CHARS = 20  # fewer characters on a page with images: treat as a scan and OCR it


def open_pdf(body: bytes) -> pymupdf.Document:
    if not body:
        raise ExtractionError("empty PDF (zero bytes)")
    if not body.lstrip()[:5].startswith(b"%PDF"):
        raise ExtractionError("not a PDF (no %PDF header)")
    try:
        doc = pymupdf.open(stream=body, filetype="pdf")
    except Exception as exc:  # pymupdf raises plain RuntimeError/FileDataError variants
        raise ExtractionError(f"unreadable PDF: {exc}") from exc
    if doc.is_repaired and b"%%EOF" not in body[-2048:]:
        doc.close()  # mupdf would recover part of the text; a cut-off download must not be served half
        raise ExtractionError("truncated PDF (no %%EOF, cross-reference table broken)")
    if doc.is_repaired:
        log.warning("PDF with a broken cross-reference table repaired by mupdf")
    if doc.needs_pass:
        doc.close()
        raise ExtractionError("encrypted PDF (password required)")
    if doc.page_count == 0:
        doc.close()
        raise ExtractionError("PDF has no pages")
    return doc


def needs_ocr(page: pymupdf.Page) -> bool:
    return len(page.get_text().strip()) < MIN_TEXT_CHARS and bool(page.get_images())


def pdf_to_pages(
    body: bytes,
    *,
    ocr: bool = True,
    ocr_languages: str = "deu+eng",
    ocr_dpi: int = DEFAULT_DPI,
    max_pages: int = 500,
    time_budget_s: float = 600,
) -> tuple[str, list[PageText]]:
    """Returns (title, pages). Raises ExtractionError past `max_pages` or `time_budget_s`."""
    deadline = time.monotonic() + time_budget_s
    doc = open_pdf(body)
    try:
        if doc.page_count > max_pages:
            raise ExtractionError(f"PDF has {doc.page_count} pages (limit {max_pages})")
        title = (doc.metadata or {}).get("title") or ""
        try:
            scans = {i for i in range(doc.page_count) if needs_ocr(doc[i])}
        except Exception as exc:
            raise ExtractionError(f"broken PDF page tree: {type(exc).__name__}: {exc}") from exc
        texts = _layout_pages(doc, [i for i in range(doc.page_count) if i not in scans])
        pages: list[PageText] = []
        for i in range(doc.page_count):
            if time.monotonic() > deadline:
                raise ExtractionError(f"time budget of {time_budget_s:.0f} s exceeded at page {i + 1}")
            if i in scans and ocr:
                md = ocr_page(
                    doc[i],
                    languages=ocr_languages,
                    dpi=ocr_dpi,
                    timeout_s=max(1.0, deadline - time.monotonic()),
                )
                pages.append(PageText(number=i + 1, markdown=md, ocr=True))
            else:
                pages.append(PageText(number=i + 1, markdown=texts.get(i, "")))
        if not any(p.markdown for p in pages):
            raise ExtractionError(
                "no text in PDF" + ("" if ocr or not scans else " (scanned pages, OCR disabled)")
            )
        return title, pages
    finally:
        doc.close()


def _layout_pages(doc: pymupdf.Document, numbers: list[int]) -> dict[int, str]:
    """0-based page number -> markdown, from pymupdf4llm's layout analysis."""
    if not numbers:
        return {}
    import pymupdf4llm

    with contextlib.redirect_stdout(io.StringIO()):  # pymupdf4llm prints parser messages
        try:
            chunks = pymupdf4llm.to_markdown(
                doc, pages=numbers, page_chunks=True, show_progress=False, use_ocr=False
            )
        except Exception as exc:
            raise ExtractionError(f"PDF layout analysis failed: {type(exc).__name__}: {exc}") from exc
    out: dict[int, str] = {}
    for pos, chunk in enumerate(chunks):
        number = int((chunk.get("metadata") or {}).get("page_number") or numbers[pos] + 1)
        out[number - 1] = _clean(chunk.get("text") or "")
    return out


def _clean(md: str) -> str:
    md = re.sub(r"^\|\s*-\s*$", "", md, flags=re.M)  # stray table rules
    md = re.sub(r"[ \t]+\n", "\n", md)
    md = re.sub(r"\n{3,}", "\n\n", md)
    return md.strip()
