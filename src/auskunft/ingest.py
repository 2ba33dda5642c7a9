"""One ingestion run of a source, whoever starts it: fetch -> extract (batches) -> index -> promote.

`run_source(settings, source, runner)` is the only place that sequences the steps. The runner says how a
step is executed: `InProcessRunner` calls the step functions in this process (`auskunft ingest --direct`,
benchmarks, tests); the Prefect flow's `NotebookRunner` (auskunft.orchestration) executes the notebooks with
papermill and spreads the batches over the work pool. Both run the same functions (auskunft.pipeline.steps)
and leave the same run folder behind, with one `RunSummary` as summary.json.

A run folder whose summary does not say `ok` (killed, crashed) is resumed by the next run of the source; a
run killed between indexing and promotion promotes then.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Protocol

from pydantic import BaseModel

from auskunft.config import Settings
from auskunft.models import Source
from auskunft.pipeline.notebook import get_source
from auskunft.pipeline.progress import ProgressLog
from auskunft.pipeline.runs import SUMMARY, atomic_write_text, finish_run, source_lock, start_run_dir
from auskunft.pipeline.steps import (
    StepOutputs,
    StepParams,
    extract_documents,
    fetch_documents,
    index_documents,
    record_outputs,
    run_batches_here,
)
from auskunft.promotion import PromotionReport, promote_step

log = logging.getLogger(__name__)

STEPS = ("crawl", "extract", "index")  # executed by the runner; the batches run before "extract"


class RunSummary(BaseModel):
    """summary.json of a run (the CLI prints it, the console and `auskunft ingest --json` read it)."""

    source: str
    run_dir: str
    runner: str = ""  # "in-process" or "notebooks"
    ok: bool = False
    resumed: bool = False
    counts: dict[str, int] = {}  # the crawl: new, changed, unchanged, gone, skipped, failed
    extract: dict[str, int] = {}  # extracted, cached, unchanged, removed, failed
    index: dict[str, int] = {}  # docs/chunks written and deleted, the version written to
    promotion: PromotionReport | None = None
    timings: dict[str, float] = {}  # wall seconds per step (crawl, batches, extract, index, promote)
    throughput: dict[str, float] = {}  # of the batches: pages per process-second, chunks per embed-second
    notebooks: dict[str, str] = {}  # executed notebooks (notebook runner)
    error: str | None = None


class StepRunner(Protocol):
    """How a run's steps are executed (in this process, or as notebooks)."""

    name: str

    def run(self, step: str, params: StepParams) -> StepOutputs:
        """Execute one of STEPS and return what it recorded."""
        ...

    def run_batches(self, params: StepParams) -> None:
        """Extract and embed the run's pending batches (here, or also on other workers)."""
        ...

    def watching(self, params: StepParams) -> AbstractContextManager[object]:
        """Held while the run's steps execute (e.g. a live progress artifact)."""
        ...

    def publish(self, summary: RunSummary) -> None:
        """After the run: show the summary where the runner's users look (best effort)."""
        ...


STEP_FUNCTIONS: dict[str, Callable[[StepParams], StepOutputs]] = {
    "crawl": fetch_documents,
    "extract": extract_documents,
    "index": index_documents,
}


class InProcessRunner:
    """Every step in this process; the batches over this host's cores."""

    name = "in-process"

    def run(self, step: str, params: StepParams) -> StepOutputs:
        return record_outputs(STEP_FUNCTIONS[step](params))

    def run_batches(self, params: StepParams) -> None:
        run_batches_here(params)

    def watching(self, params: StepParams) -> AbstractContextManager[object]:
        return contextlib.nullcontext()

    def publish(self, summary: RunSummary) -> None:
        return None


def run_source(
    settings: Settings,
    source: Source,
    runner: StepRunner,
    *,
    resume: bool = True,
    serve_demo_site: bool = False,
    progress: bool = False,
) -> RunSummary:
    """One ingestion run of `source` (an unfinished earlier run of it is resumed); writes summary.json."""
    runs_dir = settings.runs_dir.resolve()
    with source_lock(runs_dir, source.name):
        run_dir, resumed = start_run_dir(runs_dir, source.name, resume=resume)
        ProgressLog(run_dir).emit("run", resumed=resumed)
        params = StepParams(settings=settings, source=source, run_dir=run_dir, progress=progress)
        summary = RunSummary(source=source.name, run_dir=str(run_dir), runner=runner.name, resumed=resumed)
        try:
            with runner.watching(params):
                fetch = params.model_copy(update={"serve_demo_site": serve_demo_site})
                crawl = _timed(summary, "crawl", runner.run, "crawl", fetch)
                summary.counts = crawl.counts
                _timed(summary, "batches", runner.run_batches, params)
                extract = _timed(summary, "extract", runner.run, "extract", params)
                summary.extract, summary.throughput = extract.counts, extract.throughput
                index = _timed(summary, "index", runner.run, "index", params)
                summary.index = index.counts
                summary.notebooks = {o.step: o.notebook for o in (crawl, extract, index) if o.notebook}
            summary.promotion = _timed(summary, "promote", promote_step, settings, run_dir)
            summary.ok = True
        except Exception as exc:
            summary.error = f"{type(exc).__name__}: {exc}"[:2000]
            raise
        finally:
            atomic_write_text(run_dir / SUMMARY, summary.model_dump_json(indent=2))
            if summary.ok:
                finish_run(run_dir)
            try:
                runner.publish(summary)
            except Exception:  # best effort; summary.json is the record
                log.warning("could not publish the summary of %s", run_dir, exc_info=True)
    return summary


def _timed(summary: RunSummary, key: str, fn: Callable[..., Any], *args: Any) -> Any:
    t0 = time.perf_counter()
    out = fn(*args)
    summary.timings[key] = round(time.perf_counter() - t0, 2)
    return out


def run_direct(
    settings: Settings,
    source_name: str,
    *,
    serve_demo_site: bool = False,
    progress: bool = False,
    processes: int | None = None,
    batch_docs: int | None = None,
    resume: bool = True,
) -> dict[str, Any]:
    """`run_source` in this process (no Prefect, no papermill); `processes` and `batch_docs` override
    INGEST_PROCESSES and INGEST_BATCH_DOCS. Returns the summary as a dict (summary.json's content)."""
    overrides: dict[str, int] = {}
    if processes is not None:
        overrides["ingest_processes"] = processes
    if batch_docs:
        overrides["ingest_batch_docs"] = batch_docs
    settings = settings.model_copy(update=overrides) if overrides else settings
    summary = run_source(
        settings,
        get_source(settings, source_name),
        InProcessRunner(),
        resume=resume,
        serve_demo_site=serve_demo_site,
        progress=progress,
    )
    return summary.model_dump(mode="json")
