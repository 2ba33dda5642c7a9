"""Raw document -> Document, and the batch step over a crawl manifest."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, Field

from auskunft.errors import AuskunftError, ExtractionError
from auskunft.extract import html as html_ex
from auskunft.extract import pdf as pdf_ex
from auskunft.extract.cache import ExtractionCache
from auskunft.extract.store import DocumentStore
from auskunft.models import (
    CrawlManifest,
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
) -> tuple[str, str | None, list[PageText]]:
    """(title, language, pages) of one raw body; ExtractionError with the reason when it cannot be read."""
    if len(body) > max_bytes:
        raise ExtractionError(f"document too large ({len(body)} bytes > {max_bytes})")
    if kind == "html":
        title, md, lang = html_ex.html_to_markdown(body, base_url)
        return title, lang or _detect_language(md), [PageText(number=None, markdown=md)]
    if pdf_backend == "nougat":
        from auskunft.extract.nougat_backend import NougatBackend

        backend = nougat if isinstance(nougat, NougatBackend) else NougatBackend(nougat_model_path)
        pages = backend.pages(body, max_pages=max_pages)
        title = ""
    elif pdf_backend == "pymupdf":
        title, pages = pdf_ex.pdf_to_pages(
            body, ocr=ocr, ocr_languages=ocr_languages, max_pages=max_pages, time_budget_s=time_budget_s
        )
    else:
        raise ExtractionError(f"unknown PDF backend {pdf_backend!r} (use 'pymupdf' or 'nougat')")
    return title, _detect_language(" ".join(p.markdown for p in pages)), pages


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
) -> Document:
    """Document of one crawled body. The cache key is (sha256 of the body, extractor name@version), so the
    same bytes at two URLs share one extraction; url/source/crawled_at always come from `record`."""
    kind = kind_of_record(record, body)
    ex_id = extractor_id(kind, pdf_backend, ocr, ocr_languages)
    sha = sha256_bytes(body)
    cached = cache.get(sha, ex_id) if cache is not None else None
    if cached is None:
        cached = extract_content(
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
            cache.put(sha, ex_id, *cached)
    title, lang, pages = cached
    return Document(
        doc_id=doc_id_for(record.url),
        url=record.url,
        source=record.source,
        title=title or record.title or record.url.rstrip("/").rsplit("/", 1)[-1],
        language=lang,
        kind=kind,  # type: ignore[arg-type]
        sha256=record.sha256 or sha,
        crawled_at=record.fetched_at,
        extractor=ex_id,
        pages=pages,
    )


class ExtractReport(BaseModel):
    source: str
    documents: list[str] = []  # doc_ids extracted (new or changed)
    extracted: int = 0
    cached: int = 0  # of those, served from the extraction cache
    unchanged: int = 0  # records not touched at all
    removed: list[str] = []  # doc_ids deleted (gone)
    failures: list[ExtractionFailure] = []
    timings: dict[str, float] = Field(default_factory=dict)


def extract_manifest(
    manifest: CrawlManifest,
    *,
    raw_get: Callable[[str], bytes],
    cache: ExtractionCache,
    store: DocumentStore,
    pdf_backend_for: Callable[[str], str] | str = "pymupdf",
    ocr: bool = True,
    ocr_languages: str = "deu+eng",
    nougat_model_path: Path | None = None,
    progress: bool = False,
) -> ExtractReport:
    report = ExtractReport(source=manifest.source)
    t0 = time.perf_counter()
    nougat = None  # one model per batch, loaded on the first PDF that needs it
    todo = [r for r in manifest.records if r.status in ("new", "changed")]
    bar = None
    if progress and todo:
        from rich.progress import Progress

        bar = Progress(transient=False)
        bar.start()
        task = bar.add_task(f"extract {manifest.source}", total=len(todo))
    try:
        for record in manifest.records:
            if record.status == "unchanged":
                report.unchanged += 1
            elif record.status == "gone":
                doc_id = doc_id_for(record.url)
                if store.delete(manifest.source, doc_id):
                    report.removed.append(doc_id)
        for record in todo:
            backend = pdf_backend_for(record.url) if callable(pdf_backend_for) else pdf_backend_for
            hits_before = cache.hits
            try:
                if backend == "nougat" and nougat is None:
                    from auskunft.extract.nougat_backend import NougatBackend

                    nougat = NougatBackend(nougat_model_path)
                body = raw_get(record.sha256 or "")
                doc = extract_document(
                    record,
                    body,
                    pdf_backend=backend,
                    ocr=ocr,
                    ocr_languages=ocr_languages,
                    nougat_model_path=nougat_model_path,
                    cache=cache,
                    nougat=nougat,
                )
                store.save(doc)
                report.documents.append(doc.doc_id)
                report.extracted += 1
                report.cached += cache.hits - hits_before
            except (AuskunftError, OSError) as exc:
                reason = exc.message if isinstance(exc, AuskunftError) else f"{type(exc).__name__}: {exc}"
                log.warning("extraction failed for %s: %s", record.url, reason)
                report.failures.append(ExtractionFailure(url=record.url, sha256=record.sha256, reason=reason))
                # a document that can no longer be extracted must not keep serving stale text
                with contextlib.suppress(OSError):
                    store.delete(manifest.source, doc_id_for(record.url))
            except Exception as exc:  # a parser bug must not stop the batch
                log.exception("unexpected extraction error for %s", record.url)
                report.failures.append(
                    ExtractionFailure(
                        url=record.url, sha256=record.sha256, reason=f"{type(exc).__name__}: {exc}"
                    )
                )
            if bar is not None:
                bar.advance(task)
    finally:
        if bar is not None:
            bar.stop()
    report.timings["total"] = round(time.perf_counter() - t0, 3)
    return report
