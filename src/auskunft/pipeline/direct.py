"""crawl -> extract -> index in this process, without Prefect or papermill (debugging, benchmarks)."""

from __future__ import annotations

from auskunft.pipeline.crawl import crawl_step
from auskunft.pipeline.extract import DEFAULT_BATCH_DOCS, extract_counts, extract_step, throughput
from auskunft.pipeline.index import index_counts, index_step
from auskunft.pipeline.notebook import demo_site, get_source
from auskunft.pipeline.progress import ProgressLog
from auskunft.pipeline.runs import SUMMARY, StepTimer, atomic_write_text, source_lock, start_run_dir
from auskunft.pipeline.worker import batch_job


def run_direct(
    settings,  # noqa: ANN001 - Settings
    source_name: str,
    *,
    serve_demo_site: bool = False,
    progress: bool = False,
    processes: int | None = None,
    batch_docs: int | None = None,
    resume: bool = True,
) -> dict:
    """One ingestion run of a source in this process (batches on this host's cores); an unfinished
    earlier run of the source is resumed."""
    import json

    from auskunft.pipeline.batches import BatchPlan, batches_dir, totals

    source = get_source(settings, source_name)
    processes = settings.ingest_processes if processes is None else processes
    batch_docs = batch_docs or settings.ingest_batch_docs or DEFAULT_BATCH_DOCS
    with source_lock(settings.runs_dir, source_name):
        run_dir, resumed = start_run_dir(settings.runs_dir, source_name, resume=resume)
        ProgressLog(run_dir).emit("run", resumed=resumed)
        timings: dict[str, float] = {}
        with StepTimer() as t, demo_site(serve_demo_site, source):
            manifest = crawl_step(
                source,
                raw_dir=settings.raw_dir,
                state_dir=settings.state_dir,
                run_dir=run_dir,
                progress=progress,
            )
        ProgressLog(run_dir).emit("done", step="crawl")
        timings["crawl"] = t.seconds
        with StepTimer() as t:
            report = extract_step(
                source,
                run_dir=run_dir,
                raw_dir=settings.raw_dir,
                cache_dir=settings.extract_cache_dir,
                documents_dir=settings.documents_dir,
                ocr_languages=settings.ocr_languages,
                nougat_model_path=settings.nougat_model_path,
                progress=progress,
                processes=processes,
                batch_docs=batch_docs,
                job=batch_job(settings, source, run_dir),
            )
        timings["extract"] = t.seconds
        index = index_step(settings, source_name, run_dir=run_dir, progress=progress)
        timings["index"] = index.seconds
        plan = BatchPlan.model_validate_json((batches_dir(run_dir) / "plan.json").read_text(encoding="utf-8"))
        summary = {
            "source": source_name,
            "run_dir": str(run_dir),
            "ok": True,
            "resumed": resumed,
            "counts": manifest.counts(),
            "extract": extract_counts(report),
            "index": index_counts(index),
            "timings": timings,
            "throughput": throughput(totals(run_dir, plan)[0]),
        }
        atomic_write_text(run_dir / SUMMARY, json.dumps(summary, indent=2, default=str))
        finish_run(run_dir)
    return summary


def finish_run(run_dir) -> None:  # noqa: ANN001
    """After a finished run: its per-document vectors have been written to the index; drop them."""
    import shutil

    from auskunft.pipeline.embed_cache import EMBEDDINGS_DIR

    shutil.rmtree(run_dir / EMBEDDINGS_DIR, ignore_errors=True)
