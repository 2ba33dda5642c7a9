"""PDF -> markdown per page with layout (pymupdf4llm: reading order across columns, headings, tables).

Pages without a text layer are OCR'd by tesseract (Debian's tesseract-ocr with the German model) through
pymupdf4llm's OCR hook. Page numbers are kept (1-based) for citations.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re

import pymupdf

from auskunft.errors import ExtractionError
from auskunft.models import PageText

log = logging.getLogger(__name__)

NAME = "pdf-pymupdf4llm"
VERSION = "1"
MIN_TEXT_CHARS = 20  # fewer characters on a page with images: treat as scan and OCR it


def open_pdf(body: bytes) -> pymupdf.Document:
    if not body:
        raise ExtractionError("empty PDF (zero bytes)")
    if not body.lstrip()[:5].startswith(b"%PDF"):
        raise ExtractionError("not a PDF (no %PDF header)")
    try:
        doc = pymupdf.open(stream=body, filetype="pdf")
    except Exception as exc:  # pymupdf raises plain RuntimeError/FileDataError variants
        raise ExtractionError(f"unreadable PDF: {exc}") from exc
    if doc.needs_pass:
        doc.close()
        raise ExtractionError("encrypted PDF (password required)")
    if doc.page_count == 0:
        doc.close()
        raise ExtractionError("PDF has no pages")
    return doc


def pdf_to_pages(body: bytes, *, ocr: bool = True, ocr_languages: str = "deu+eng", max_pages: int = 500) -> tuple[str, list[PageText]]:
    """Returns (title, pages)."""
    import pymupdf4llm

    doc = open_pdf(body)
    try:
        if doc.page_count > max_pages:
            raise ExtractionError(f"PDF has {doc.page_count} pages (limit {max_pages})")
        title = (doc.metadata or {}).get("title") or ""
        needs_ocr = []
        for page in doc:
            text = page.get_text().strip()
            needs_ocr.append(len(text) < MIN_TEXT_CHARS and bool(page.get_images()))
        with contextlib.redirect_stdout(io.StringIO()):  # pymupdf4llm prints parser messages
            try:
                chunks = pymupdf4llm.to_markdown(
                    doc, page_chunks=True, show_progress=False, use_ocr=ocr and any(needs_ocr),
                    ocr_language=ocr_languages, ocr_dpi=300,
                )
            except ExtractionError:
                raise
            except Exception as exc:
                raise ExtractionError(f"PDF layout analysis failed: {type(exc).__name__}: {exc}") from exc
        pages = []
        for i, chunk in enumerate(chunks):
            number = int(chunk.get("metadata", {}).get("page_number") or i + 1)
            md = _clean(chunk.get("text") or "")
            pages.append(PageText(number=number, markdown=md, ocr=needs_ocr[number - 1] and ocr))
        if not any(p.markdown for p in pages):
            raise ExtractionError("no text in PDF" + ("" if ocr else " (OCR disabled)"))
        return title, pages
    finally:
        doc.close()


def _clean(md: str) -> str:
    md = re.sub(r"^\|\s*-\s*$", "", md, flags=re.M)  # OCR noise lines
    md = re.sub(r"\n{3,}", "\n\n", md)
    return md.strip()
