"""PDF -> markdown per page with layout (pymupdf4llm: reading order across columns, headings, tables).

Each page's text layer is checked first (`quality.py`): pages whose text is missing for the ink on them or
does not read as words (scans, text drawn as vector outlines, fonts without a Unicode map) are OCR'd page
by page by tesseract (`ocr.py`), and the OCR text is kept when it reads better than the layer. Every other
page goes through pymupdf4llm's layout analysis in one call with its own OCR switched off; pages whose
outlined glyphs read as strike-through marks are laid out again from a copy without their vector graphics;
words a page draws apart without a space character are spaced again (`pdfspaces.py`); words a table's column
borders cut are joined again (`pdfcells.py`).
Lines repeated on most pages (letterheads, running headers, "Seite 2 von 7") are moved out of the pages
(`boilerplate.py`). Page numbers are kept (1-based) for citations; a page with no text keeps its place.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import logging
import re
import time
from dataclasses import dataclass, field

import pymupdf

from auskunft.errors import ExtractionError
from auskunft.extract.boilerplate import strip_repeated_page_lines
from auskunft.extract.cleanup import clean_pages
from auskunft.extract.ocr import DEFAULT_DPI, ocr_page
from auskunft.extract.pdfcells import join_cut_table_words
from auskunft.extract.pdfpairs import pair_columns
from auskunft.extract.pdfspaces import respace
from auskunft.extract.quality import check_page, has_strike_artefacts, ocr_is_better, remove_line_art
from auskunft.models import PageText

log = logging.getLogger(__name__)

NAME = "pdf-pymupdf4llm"
VERSION = "7"


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
    """Whether the page's text layer is too poor to use (see quality.check_page)."""
    return check_page(page).needs_ocr


@dataclass
class PdfContent:
    title: str  # the PDF's title metadata, as found
    pages: list[PageText]
    dates: dict[str, str] = field(default_factory=dict)  # "pdf-created"/"pdf-modified" -> ISO date
    boilerplate: list[str] = field(default_factory=list)  # lines repeated on most pages, removed from them


def pdf_to_pages(
    body: bytes,
    *,
    ocr: bool = True,
    ocr_languages: str = "deu+eng",
    ocr_dpi: int = DEFAULT_DPI,
    max_pages: int = 500,
    time_budget_s: float = 600,
) -> tuple[str, list[PageText]]:
    """Returns (title metadata, pages). Raises ExtractionError past `max_pages` or `time_budget_s`."""
    content = pdf_content(
        body,
        ocr=ocr,
        ocr_languages=ocr_languages,
        ocr_dpi=ocr_dpi,
        max_pages=max_pages,
        time_budget_s=time_budget_s,
    )
    return content.title, content.pages


def pdf_content(
    body: bytes,
    *,
    ocr: bool = True,
    ocr_languages: str = "deu+eng",
    ocr_dpi: int = DEFAULT_DPI,
    max_pages: int = 500,
    time_budget_s: float = 600,
) -> PdfContent:
    """Pages, title metadata, metadata dates and repeated page lines of a PDF."""
    deadline = time.monotonic() + time_budget_s
    doc = open_pdf(body)
    try:
        if doc.page_count > max_pages:
            raise ExtractionError(f"PDF has {doc.page_count} pages (limit {max_pages})")
        meta = doc.metadata or {}
        try:
            checks = [check_page(doc[i]) for i in range(doc.page_count)]
        except Exception as exc:
            raise ExtractionError(f"broken PDF page tree: {type(exc).__name__}: {exc}") from exc
        scans = {i for i, c in enumerate(checks) if c.needs_ocr}
        for i in sorted(scans):
            log.debug("page %d needs OCR: %s", i + 1, checks[i].reason)
        struck = [i for i, c in enumerate(checks) if i not in scans and has_strike_artefacts(c)]
        plain = [i for i in range(doc.page_count) if i not in scans and i not in struck]
        texts = _layout_pages(doc, plain)
        if struck:
            texts.update(_layout_without_line_art(body, struck))
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
                layer = doc[i].get_text() if checks[i].chars else ""
                if layer and not ocr_is_better(layer, md):
                    pages.append(PageText(number=i + 1, markdown=_layout_pages(doc, [i]).get(i, "")))
                else:
                    pages.append(PageText(number=i + 1, markdown=md, ocr=True))
            elif i in scans:  # OCR disabled: whatever the layer holds
                pages.append(PageText(number=i + 1, markdown=_layout_pages(doc, [i]).get(i, "")))
            else:
                pages.append(PageText(number=i + 1, markdown=texts.get(i, "")))
        if not any(p.markdown for p in pages):
            raise ExtractionError(
                "no text in PDF" + ("" if ocr or not scans else " (scanned pages, OCR disabled)")
            )
        pages, boilerplate = strip_repeated_page_lines(pages)
        pages, boilerplate = clean_pages(pages, boilerplate)  # text defects, a letter's letterhead
        dates = {
            k: d
            for k, raw in (("pdf-created", meta.get("creationDate")), ("pdf-modified", meta.get("modDate")))
            if (d := pdf_date(raw))
        }
        return PdfContent(
            title=(meta.get("title") or "").strip(), pages=pages, dates=dates, boilerplate=boilerplate
        )
    finally:
        doc.close()


def pdf_date(raw: str | None) -> str | None:
    """ISO date of a PDF date string ("D:20250512093000+02'00'"), None when absent or malformed."""
    m = re.match(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?", (raw or "").strip())
    if not m:
        return None
    year, month, day = int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return None


def _layout_without_line_art(body: bytes, numbers: list[int]) -> dict[int, str]:
    """Layout of pages whose vector graphics read as strike-through marks, from a copy without them."""
    copy = pymupdf.open(stream=body, filetype="pdf")
    try:
        for i in numbers:
            remove_line_art(copy[i])
        return _layout_pages(copy, numbers)
    finally:
        copy.close()


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
        page = doc[number - 1]
        text = join_cut_table_words(respace(page, _clean(chunk.get("text") or "")))
        out[number - 1] = pair_columns(page, text)
    return out


def _clean(md: str) -> str:
    md = re.sub(r"^\|\s*-\s*$", "", md, flags=re.M)  # stray table rules
    md = re.sub(r"[ \t]+\n", "\n", md)
    md = re.sub(r"\n{3,}", "\n\n", md)
    return md.strip()
