"""Extract step: the run's new and changed documents, in batches, into the document store.

The flow fans the batches out over the work pool's workers before the extract notebook runs (see
auskunft.orchestration); whatever batch is still without a report when the step runs (a notebook run by
hand, a worker that died) is run here, on this host's cores. The step then deletes the documents of gone
pages and writes the run's ExtractReport: the sum of all batch reports.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from auskunft.models import CrawlRecord, Source
from auskunft.pipeline.batches import BatchPlan, BatchTotals, ensure_link_texts, pending, plan_batches, totals
from auskunft.pipeline.crawl import load_manifest
from auskunft.pipeline.progress import ProgressLog
from auskunft.pipeline.runs import EXTRACT_REPORT, write_json
from auskunft.pipeline.worker import BatchJob, run_batches

log = logging.getLogger(__name__)

DEFAULT_BATCH_DOCS = 25


def outdated_documents(job: BatchJob) -> Callable[[CrawlRecord], bool]:
    """Whether an unchanged record's stored document was made by another extractor than this run's (an
    upgrade of the HTML or PDF extractor, another PDF backend or OCR setting): then it is extracted again."""
    from auskunft.extract import DocumentStore
    from auskunft.extract.extractor import extractor_id
    from auskunft.models import doc_id_for

    store = DocumentStore(job.documents_dir)
    current = {
        kind: extractor_id(kind, job.pdf_backend, job.ocr, job.ocr_languages) for kind in ("html", "pdf")
    }

    def outdated(record: CrawlRecord) -> bool:
        doc = store.load(job.source, doc_id_for(record.url))
        return doc is not None and doc.extractor != current.get(doc.kind, doc.extractor)

    return outdated


def plan_run(run_dir: Path, batch_docs: int = DEFAULT_BATCH_DOCS, job: BatchJob | None = None) -> BatchPlan:
    """The run's batches (the plan written by the run's first call; `job`: unchanged records whose documents
    an older extractor made are planned too)."""
    outdated = outdated_documents(job) if job is not None else None
    plan = plan_batches(run_dir, load_manifest(run_dir), batch_docs, outdated)
    done = sum(len(b.urls) for b in plan.batches if b.index not in set(pending(run_dir, plan)))
    ProgressLog(run_dir).emit("plan", docs=plan.documents, done_docs=done, batches=len(plan.batches))
    return plan


def run_pending_batches(job: BatchJob, plan: BatchPlan, *, processes: int = 0) -> int:
    """Run the plan's batches that have no report yet on this host; returns how many ran."""
    todo = pending(job.run_dir, plan)
    if todo:
        manifest = load_manifest(job.run_dir)
        ensure_link_texts(job.run_dir, manifest, job.raw_dir)
        records = {r.url: r for r in manifest.records}
        run_batches(job, plan, todo, processes=processes, records=records)
    return len(todo)


def extract_step(
    source: Source,
    *,
    run_dir: Path,
    raw_dir: Path,
    cache_dir: Path,
    documents_dir: Path,
    ocr_languages: str,
    nougat_model_path: Path | None,
    progress: bool = False,
    processes: int = 0,
    batch_docs: int = DEFAULT_BATCH_DOCS,
    job: BatchJob | None = None,
):  # -> ExtractReport
    """Run the batches still to do on this host (`processes` worker processes, 0: one per core) and
    return the run's ExtractReport. `job` carries the embedding target when the batches embed too."""
    from auskunft.extract import DocumentStore, ExtractReport
    from auskunft.models import doc_id_for

    t0 = time.perf_counter()
    events = ProgressLog(run_dir)
    events.emit("start", step="extract")
    job = job or BatchJob(
        run_dir=run_dir,
        source=source.name,
        raw_dir=raw_dir,
        cache_dir=cache_dir,
        documents_dir=documents_dir,
        pdf_backend=source.pdf_extractor,
        ocr=source.ocr,
        ocr_languages=ocr_languages,
        nougat_model_path=nougat_model_path,
    )
    plan = plan_run(run_dir, batch_docs, job)
    if progress:
        from auskunft.pipeline.progress import ProgressWatcher, RichBars

        with RichBars(f"extract {source.name}") as bars, ProgressWatcher(lambda: events.path, bars.update):
            ran = run_pending_batches(job, plan, processes=processes)
    else:
        ran = run_pending_batches(job, plan, processes=processes)
    if ran:
        log.info("extract %s: ran %d batches on this host", source.name, ran)
    manifest = load_manifest(run_dir)
    report = ExtractReport(source=manifest.source)
    store = DocumentStore(documents_dir)
    if plan.documents and not pending(run_dir, plan):
        # lines repeated across the source's documents (letterheads, contact boxes): once every batch is done
        from auskunft.extract.extractor import source_boilerplate_pass

        source_boilerplate_pass(report, store, source.name)
    for record in manifest.records:
        if record.status == "unchanged":
            report.unchanged += 1
        elif record.status == "gone":
            doc_id = doc_id_for(record.url)
            if store.delete(manifest.source, doc_id):
                report.removed.append(doc_id)
    sums, reports = totals(run_dir, plan)
    for r in reports:
        report.documents += r.documents
        report.failures += r.failures
    report.extracted, report.cached = sums.extracted, sums.cached
    report.timings |= {"total": round(time.perf_counter() - t0, 3), **throughput(sums)}
    write_json(run_dir / EXTRACT_REPORT, report)
    events.emit("done", step="extract")
    return report


def throughput(t: BatchTotals) -> dict[str, float]:
    """Per-step throughput of the batches (per process second, i.e. per busy core)."""
    return {
        "pages": float(t.pages),
        "ocr_pages": float(t.ocr_pages),
        "extract_process_seconds": t.extract_seconds,
        "pages_per_process_s": t.pages_per_process_s,
        "chunks_embedded": float(t.chunks_embedded),
        "embed_seconds": t.embed_seconds,
        "embed_cpu_seconds": t.embed_cpu_seconds,
        "chunks_per_embed_s": t.chunks_per_s,
        "chunks_per_embed_cpu_s": t.chunks_per_cpu_s,
    }


def load_extract_report(run_dir: Path):  # -> ExtractReport
    from auskunft.extract import ExtractReport

    return ExtractReport.model_validate_json((run_dir / EXTRACT_REPORT).read_text(encoding="utf-8"))


def extract_counts(report) -> dict[str, int]:  # noqa: ANN001 - ExtractReport
    return {
        "extracted": report.extracted,
        "cached": report.cached,
        "unchanged": report.unchanged,
        "removed": len(report.removed),
        "failed": len(report.failures),
    }


def batch_table(run_dir: Path) -> list[dict]:
    """One row per batch of the run (for the notebooks)."""
    from auskunft.pipeline.batches import PLAN, BatchPlan, batches_dir

    path = batches_dir(run_dir) / PLAN
    if not path.exists():
        return []
    _, reports = totals(run_dir, BatchPlan.model_validate_json(path.read_text(encoding="utf-8")))
    return [
        {
            "batch": r.index,
            "worker": r.worker,
            "extracted": r.extracted,
            "cached": r.cached,
            "failed": len(r.failures),
            "pages": r.pages,
            "ocr_pages": r.ocr_pages,
            "chunks": r.chunks,
            "seconds": r.seconds,
        }
        for r in reports
    ]
