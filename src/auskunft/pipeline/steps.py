"""The ingestion steps as a run calls them: one typed parameter object in, one typed outputs object out.

    fetch_documents    crawl the source into the raw store, write the run's crawl manifest (crawl.ipynb)
    run_batches_here   extract and embed the run's new and changed documents, batch by batch, on this host
    extract_documents  finish the batches, drop gone documents, sum the batches up (extract.ipynb)
    index_documents    write the documents' chunks into the index, delete gone ones (index.ipynb)

The notebooks build their `StepParams` from their parameters cell and call the same functions the in-process
runner calls (auskunft.ingest), so both leave the same files in the run folder; each notebook's last cell
records the step's `StepOutputs` next to it (`<step>.outputs.json`), which the flow reads back. Promotion, the
step after indexing, lives above ingestion (auskunft.promotion).
"""

from __future__ import annotations

import time
from pathlib import Path

from pydantic import BaseModel

from auskunft.config import Settings
from auskunft.models import Source
from auskunft.pipeline.batches import load_plan, totals
from auskunft.pipeline.crawl import crawl_step
from auskunft.pipeline.extract import (
    DEFAULT_BATCH_DOCS,
    extract_counts,
    extract_step,
    plan_run,
    run_pending_batches,
    throughput,
)
from auskunft.pipeline.index import index_counts, index_step
from auskunft.pipeline.notebook import demo_site, get_source, settings_for
from auskunft.pipeline.progress import ProgressLog
from auskunft.pipeline.runs import atomic_write_text, resolve_run_dir
from auskunft.pipeline.worker import batch_job


class StepParams(BaseModel):
    """What every step of a run needs: the settings, the source, the run folder and how to show progress."""

    settings: Settings
    source: Source
    run_dir: Path
    progress: bool = False  # rich progress bars in this process
    serve_demo_site: bool = False  # fetch only: serve datasets/demo-site on the source's loopback alias

    @classmethod
    def for_notebook(
        cls,
        *,
        source: str,
        sources_file: str | Path,
        data_dir: str | Path,
        run_dir: str | Path = "",
        create: bool = False,
        progress: bool = False,
        serve_demo_site: bool = False,
    ) -> StepParams:
        """From a notebook's parameters cell: settings from .env/environment with DATA_DIR and SOURCES_FILE
        on top; RUN_DIR empty means a new run folder (`create`) or the source's newest one."""
        settings = settings_for(data_dir, sources_file)
        return cls(
            settings=settings,
            source=get_source(settings, source),
            run_dir=resolve_run_dir(settings, source, run_dir, create=create),
            progress=progress,
            serve_demo_site=serve_demo_site,
        )

    def notebook_parameters(self, step: str) -> dict[str, object]:
        """The notebook's parameters cell for this step (the inverse of `for_notebook`)."""
        params: dict[str, object] = {
            "SOURCE": self.source.name,
            "SOURCES_FILE": str(self.settings.sources_file.resolve()),
            "DATA_DIR": str(self.settings.data_dir.resolve()),
            "RUN_DIR": str(self.run_dir),
        }
        if step == "crawl":
            params["SERVE_DEMO_SITE"] = self.serve_demo_site
        return params


class StepOutputs(BaseModel):
    """What a step recorded (`<step>.outputs.json`): its counts, seconds and, for extraction, throughput."""

    step: str
    run_dir: str
    counts: dict[str, int] = {}
    seconds: float = 0.0
    throughput: dict[str, float] = {}
    notebook: str = ""  # the executed notebook, when a notebook ran the step


def fetch_documents(p: StepParams) -> StepOutputs:
    t0 = time.perf_counter()
    with demo_site(p.serve_demo_site, p.source):
        manifest = crawl_step(
            p.source,
            raw_dir=p.settings.raw_dir,
            state_dir=p.settings.state_dir,
            run_dir=p.run_dir,
            progress=p.progress,
            render_memory_mb=p.settings.render_memory_mb,
        )
    ProgressLog(p.run_dir).emit("done", step="crawl")
    return StepOutputs(step="crawl", run_dir=str(p.run_dir), counts=manifest.counts(), seconds=_since(t0))


def run_batches_here(p: StepParams) -> int:
    """Extract and embed the run's pending batches on this host's cores; returns how many ran."""
    s = p.settings
    job = batch_job(s, p.source, p.run_dir)
    plan = plan_run(p.run_dir, s.ingest_batch_docs or DEFAULT_BATCH_DOCS, job)
    if not p.progress:
        return run_pending_batches(job, plan, processes=s.ingest_processes)
    from auskunft.pipeline.progress import PROGRESS_FILE, ProgressWatcher, RichBars

    with (
        RichBars(f"extract {p.source.name}") as bars,
        ProgressWatcher(lambda: p.run_dir / PROGRESS_FILE, bars.update),
    ):
        return run_pending_batches(job, plan, processes=s.ingest_processes)


def extract_documents(p: StepParams) -> StepOutputs:
    """The extract step: batches still without a report run here, then the run's ExtractReport."""
    s = p.settings
    t0 = time.perf_counter()
    report = extract_step(
        p.source,
        run_dir=p.run_dir,
        raw_dir=s.raw_dir,
        cache_dir=s.extract_cache_dir,
        documents_dir=s.documents_dir,
        ocr_languages=s.ocr_languages,
        nougat_model_path=s.nougat_model_path,
        progress=p.progress,
        processes=s.ingest_processes,
        batch_docs=s.ingest_batch_docs or DEFAULT_BATCH_DOCS,
        job=batch_job(s, p.source, p.run_dir),
    )
    return StepOutputs(
        step="extract",
        run_dir=str(p.run_dir),
        counts=extract_counts(report),
        seconds=_since(t0),
        throughput=throughput(totals(p.run_dir, load_plan(p.run_dir))[0]),
    )


def index_documents(p: StepParams) -> StepOutputs:
    report = index_step(p.settings, p.source.name, run_dir=p.run_dir, progress=p.progress)
    return StepOutputs(
        step="index", run_dir=str(p.run_dir), counts=index_counts(report), seconds=report.seconds
    )


def record_outputs(outputs: StepOutputs) -> StepOutputs:
    """The small JSON next to the executed notebook that the flow and the tests read."""
    atomic_write_text(
        Path(outputs.run_dir) / f"{outputs.step}.outputs.json", outputs.model_dump_json(indent=2)
    )
    return outputs


def load_outputs(run_dir: Path, step: str) -> StepOutputs:
    return StepOutputs.model_validate_json((run_dir / f"{step}.outputs.json").read_text(encoding="utf-8"))


def _since(t0: float) -> float:
    return round(time.perf_counter() - t0, 3)
