"""Raw document -> Document (one crawled record at a time; pipeline.worker runs it over a run's batches)."""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, Field

from auskunft.errors import AuskunftError, ExtractionError
from auskunft.extract import html as html_ex
from auskunft.extract import pdf as pdf_ex
from auskunft.extract.boilerplate import strip_repeated_page_lines, strip_source_boilerplate
from auskunft.extract.cache import ExtractedContent, ExtractionCache
from auskunft.extract.dates import choose_date
from auskunft.extract.limits import DocLimits, run_limited
from auskunft.extract.store import DocumentStore
from auskunft.extract.titles import choose_title, document_heading, first_line
from auskunft.models import (
    CrawlRecord,
    Document,
    ExtractionFailure,
    PageText,
    doc_id_for,
    sha256_bytes,
)

log = logging.getLogger(__name__)

MAX_BYTES = 40_000_000  # larger bodies are refused before parsing
MAX_PAGES = 500  # per PDF
TIME_BUDGET_S = 600.0  # per PDF (layout analysis + OCR)
LIMIT_SHARE = 0.9  # under hard limits the PDF's own budget (a clean failure) ends before the kill


def extractor_id(
    kind: str, pdf_backend: str = "pymupdf", ocr: bool = True, ocr_languages: str = "deu+eng"
) -> str:
    if kind == "html":
        return f"{html_ex.NAME}@{html_ex.VERSION}"
    if pdf_backend == "nougat":
        from auskunft.extract import nougat_backend

        return f"{nougat_backend.NAME}@{nougat_backend.VERSION}"
    return f"{pdf_ex.NAME}@{pdf_ex.VERSION}{'+ocr-' + ocr_languages if ocr else ''}"


def _pdf_like(body: bytes) -> bool:
    return body.lstrip()[:5].startswith(b"%PDF")


def kind_of_record(record: CrawlRecord, body: bytes) -> str:
    ct = (record.content_type or "").lower()
    if "pdf" in ct or _pdf_like(body) or record.url.lower().split("?")[0].endswith(".pdf"):
        return "pdf"
    return "html"


def _detect_language(text: str) -> str | None:
    try:
        from langdetect import DetectorFactory, detect

        DetectorFactory.seed = 0
        return detect(text[:3000])
    except Exception:  # langdetect raises on text without features
        return None


def extract_content(
    kind: str,
    body: bytes,
    **kw: object,
) -> tuple[str, str | None, list[PageText]]:
    """(title, language, pages) of one raw body (see extract_body for the arguments)."""
    c = extract_body(kind, body, **kw)  # type: ignore[arg-type]
    return c.title, c.language, c.pages


def extract_body(
    kind: str,
    body: bytes,
    *,
    base_url: str = "",
    pdf_backend: str = "pymupdf",
    ocr: bool = True,
    ocr_languages: str = "deu+eng",
    nougat_model_path: Path | None = None,
    nougat: object | None = None,
    max_bytes: int = MAX_BYTES,
    max_pages: int = MAX_PAGES,
    time_budget_s: float = TIME_BUDGET_S,
) -> ExtractedContent:
    """Everything one raw body yields; ExtractionError with the reason when it cannot be read."""
    if len(body) > max_bytes:
        raise ExtractionError(f"document too large ({len(body)} bytes > {max_bytes})")
    if kind == "html":
        h = html_ex.html_content(body, base_url)
        return ExtractedContent(
            title=h.title,
            language=h.language or _detect_language(h.markdown),
            pages=[PageText(number=None, markdown=h.markdown)],
            heading=h.heading,
            dates={"html-meta": h.meta_date} if h.meta_date else {},
            is_listing=h.is_listing,
        )
    if pdf_backend == "nougat":
        from auskunft.extract.nougat_backend import NougatBackend

        backend = nougat if isinstance(nougat, NougatBackend) else NougatBackend(nougat_model_path)
        pages, boilerplate = strip_repeated_page_lines(backend.pages(body, max_pages=max_pages))
        content = ExtractedContent(pages=pages, boilerplate=boilerplate)
    elif pdf_backend == "pymupdf":
        pdf = pdf_ex.pdf_content(
            body, ocr=ocr, ocr_languages=ocr_languages, max_pages=max_pages, time_budget_s=time_budget_s
        )
        content = ExtractedContent(
            title=pdf.title, pages=pdf.pages, dates=pdf.dates, boilerplate=pdf.boilerplate
        )
    else:
        raise ExtractionError(f"unknown PDF backend {pdf_backend!r} (use 'pymupdf' or 'nougat')")
    content.language = _detect_language(" ".join(p.markdown for p in content.pages))
    content.heading = document_heading([p.markdown for p in content.pages[:2]])
    return content


def extract_document(
    record: CrawlRecord,
    body: bytes,
    *,
    pdf_backend: str = "pymupdf",
    ocr: bool = True,
    ocr_languages: str = "deu+eng",
    nougat_model_path: Path | None = None,
    cache: ExtractionCache | None = None,
    nougat: object | None = None,
    max_bytes: int = MAX_BYTES,
    max_pages: int = MAX_PAGES,
    time_budget_s: float = TIME_BUDGET_S,
    link_texts: list[str] | None = None,
    limits: DocLimits | None = None,
) -> Document:
    """Document of one crawled body. The cache key is (sha256 of the body, extractor name@version), so the
    same bytes at two URLs share one extraction; url/source/crawled_at, the title choice (which weighs the
    texts of links pointing at the document) and the date come from `record`. With `limits` the extraction
    runs in a child process under them (limits.py): a document past its memory or time fails, nothing else."""
    kind = kind_of_record(record, body)
    ex_id = extractor_id(kind, pdf_backend, ocr, ocr_languages)
    sha = sha256_bytes(body)
    content = cache.get(sha, ex_id) if cache is not None else None
    if content is None:
        run: Callable[..., ExtractedContent] = extract_body
        if limits is not None and not (
            kind == "pdf" and pdf_backend == "nougat"
        ):  # no fork of torch's threads
            run = functools.partial(run_limited, extract_body, limits=limits, what=f"{kind} extraction")
            time_budget_s = min(time_budget_s, LIMIT_SHARE * limits.time_s)
        content = run(
            kind,
            body,
            base_url=record.url,
            pdf_backend=pdf_backend,
            ocr=ocr,
            ocr_languages=ocr_languages,
            nougat_model_path=nougat_model_path,
            nougat=nougat,
            max_bytes=max_bytes,
            max_pages=max_pages,
            time_budget_s=time_budget_s,
        )
        if cache is not None:
            cache.put(sha, ex_id, content)
    doc = Document(
        doc_id=doc_id_for(record.url),
        url=record.url,
        source=record.source,
        kind=kind,  # type: ignore[arg-type]
        language=content.language,
        sha256=record.sha256 or sha,
        crawled_at=record.fetched_at,
        extractor=ex_id,
        pages=content.pages,
        metadata_title=content.title if kind == "pdf" and content.title else None,
        link_texts=list(link_texts or []),
        boilerplate=content.boilerplate,
        is_listing=content.is_listing,
    )
    set_title(doc, html_title=content.title or record.title or "", heading=content.heading)
    doc.date, doc.date_source = choose_date(
        text=doc.markdown,
        url=doc.url,
        title=doc.title,
        crawled_at=doc.crawled_at,
        html_meta=content.dates.get("html-meta"),
        sitemap_lastmod=record.sitemap_lastmod,
        pdf_dates=content.dates,
        last_modified=record.last_modified,
        boilerplate=doc.boilerplate,
        is_listing=doc.is_listing,
    )
    return doc


def set_title(doc: Document, *, html_title: str = "", heading: str = "") -> None:
    """Choose the document's title from its candidates (see titles.py)."""
    doc.title, doc.title_source = choose_title(
        kind=doc.kind,
        url=doc.url,
        html_title=html_title if doc.kind == "html" else "",
        heading=heading,
        link_texts=doc.link_texts,
        metadata=doc.metadata_title or "",
        first_text_line=first_line(doc.pages[0].markdown) if doc.kind == "pdf" and doc.pages else "",
    )


class RecordOutcome(BaseModel):
    """One record's extraction: the stored document, or the failure (the stale document is deleted)."""

    doc: Document | None = None
    cached: bool = False  # the content came from the extraction cache
    failure: ExtractionFailure | None = None


def failed_record(record: CrawlRecord, reason: str, store: DocumentStore) -> RecordOutcome:
    """A record that could not be extracted. Its stored document goes when the file changed (a document that
    can no longer be extracted must not keep serving stale text) and stays when the bytes are the ones it was
    extracted from: a new extractor version that fails on a limit (memory, time) loses nothing that the old
    one read."""
    doc_id = doc_id_for(record.url)
    previous = None
    with contextlib.suppress(OSError, ValueError):
        previous = store.load(record.source, doc_id)
    if previous is not None and record.sha256 and previous.sha256 == record.sha256:
        reason = f"{reason}; the text extracted by {previous.extractor} from the same file is kept"
        log.warning("extraction failed for %s: %s", record.url, reason)
    else:
        log.warning("extraction failed for %s: %s", record.url, reason)
        with contextlib.suppress(OSError):
            store.delete(record.source, doc_id)
    return RecordOutcome(failure=ExtractionFailure(url=record.url, sha256=record.sha256, reason=reason))


def extract_record(
    record: CrawlRecord,
    *,
    raw_get: Callable[[str], bytes],
    cache: ExtractionCache,
    store: DocumentStore,
    pdf_backend: str = "pymupdf",
    ocr: bool = True,
    ocr_languages: str = "deu+eng",
    nougat_model_path: Path | None = None,
    nougat: object | None = None,
    link_texts: list[str] | None = None,
    limits: DocLimits | None = None,
) -> RecordOutcome:
    """Extract one crawled record and store its document; failures are returned, never raised."""
    hits_before = cache.hits
    try:
        body = raw_get(record.sha256 or "")
        doc = extract_document(
            record,
            body,
            pdf_backend=pdf_backend,
            ocr=ocr,
            ocr_languages=ocr_languages,
            nougat_model_path=nougat_model_path,
            cache=cache,
            nougat=nougat,
            link_texts=link_texts,
            limits=limits,
        )
        store.save(doc)
    except (AuskunftError, OSError) as exc:
        reason = exc.message if isinstance(exc, AuskunftError) else f"{type(exc).__name__}: {exc}"
        return failed_record(record, reason, store)
    except Exception as exc:  # a parser bug must not stop the batch
        log.exception("unexpected extraction error for %s", record.url)
        return RecordOutcome(
            failure=ExtractionFailure(
                url=record.url, sha256=record.sha256, reason=f"{type(exc).__name__}: {exc}"
            )
        )
    return RecordOutcome(doc=doc, cached=cache.hits > hits_before)


class ExtractReport(BaseModel):
    source: str
    documents: list[str] = []  # doc_ids extracted (new or changed)
    extracted: int = 0
    cached: int = 0  # of those, served from the extraction cache
    unchanged: int = 0  # records not touched at all
    removed: list[str] = []  # doc_ids deleted (gone)
    failures: list[ExtractionFailure] = []
    timings: dict[str, float] = Field(default_factory=dict)
    boilerplate_updated: list[str] = []  # doc_ids whose pages lost lines repeated across the source


def source_boilerplate_pass(report: ExtractReport, store: DocumentStore, source: str) -> None:
    """`strip_store_boilerplate` for a run: the changed doc_ids and the time it took go to the report."""
    t0 = time.perf_counter()
    report.boilerplate_updated = strip_store_boilerplate(store, source)
    report.timings["boilerplate"] = round(time.perf_counter() - t0, 3)


def strip_store_boilerplate(store: DocumentStore, source: str) -> list[str]:
    """Remove the lines repeated across the source's stored documents (letterheads, site-wide contact
    boxes) from their pages, keeping them in each document's `boilerplate`; returns the changed doc_ids.

    Runs once per source after all of a run's documents are stored (also after a parallel extraction).
    """
    try:
        docs = list(store.iter_source(source))
        changed = strip_source_boilerplate(docs)
        for doc in changed:
            store.save(doc)
    except (OSError, ValueError) as exc:  # the documents stay as extracted: boilerplate is not an error
        log.warning("boilerplate pass over %s failed: %s", source, exc)
        return []
    return [d.doc_id for d in changed]
