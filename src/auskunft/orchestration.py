"""Prefect flows that run the ingestion notebooks with papermill and spread a source over the work pool.

A run: crawl notebook -> batches (the new/changed documents, extracted and embedded in parallel: as flow
runs of the `ingest-batches` deployment on the pool's workers when INGEST_BATCH_DEPLOYMENT is set, and
on this host's cores for whatever is left) -> extract notebook (sums up the batches) -> index notebook
(writes, deletes, promotes in one process). Every flow run gets a run folder (see auskunft.pipeline)
holding the executed notebooks, the step outputs, progress events and a summary; an unfinished run of
the source is resumed. The summary and a live progress bar are published as Prefect artifacts.
flows/ holds the thin deployment entry points that import these.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import papermill
from papermill.exceptions import PapermillExecutionError
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from pydantic import BaseModel

from auskunft.config import Settings, get_settings
from auskunft.pipeline.fanout import fan_out, progress_artifact
from auskunft.pipeline.runs import SUMMARY, atomic_write_text, source_lock, start_run_dir
from auskunft.sources import load_sources

log = logging.getLogger(__name__)

STEPS = ("crawl", "extract", "index")
TRANSIENT_MARKERS = (
    "Timeout",
    "timed out",
    "ConnectionError",
    "Connection refused",
    "DeadKernelError",
    "already accessed by another instance",
    "Temporary failure",
)


class IngestSummary(BaseModel):
    source: str
    run_dir: str
    ok: bool
    counts: dict[str, int] = {}
    extract: dict[str, Any] = {}
    index: dict[str, Any] = {}
    timings: dict[str, float] = {}
    throughput: dict[str, float] = {}
    notebooks: dict[str, str] = {}
    resumed: bool = False
    error: str | None = None


def _is_transient(task_: object, task_run: object, state: Any) -> bool:
    """Retry only failures that another attempt can fix (network, kernel death, a held lock)."""
    try:
        state.result()
    except PapermillExecutionError as exc:
        text = f"{exc.ename} {exc.evalue}"
        return any(m in text for m in TRANSIENT_MARKERS)
    except Exception as exc:  # kernel start-up failures and the like
        return any(m in f"{type(exc).__name__} {exc}" for m in TRANSIENT_MARKERS)
    return False


@task(retries=2, retry_delay_seconds=[5, 30], retry_condition_fn=_is_transient, task_run_name="{step}")
def run_notebook(
    step: str, *, notebooks_dir: str, run_dir: str, parameters: dict[str, Any], cwd: str
) -> dict[str, Any]:
    """Execute notebooks/<step>.ipynb into the run folder and return its recorded outputs."""
    logger = get_run_logger()
    src = Path(notebooks_dir) / f"{step}.ipynb"
    out = Path(run_dir) / f"{step}.ipynb"
    if out.exists():  # an earlier attempt: keep it for inspection
        out.rename(out.with_name(f"{step}.failed-{int(time.time())}.ipynb"))
    logger.info("executing %s -> %s", src, out)
    papermill.execute_notebook(
        str(src),
        str(out),
        parameters=parameters,
        cwd=cwd,
        progress_bar=False,
        kernel_name="python3",
        log_output=False,
    )
    outputs = Path(run_dir) / f"{step}.outputs.json"
    return json.loads(outputs.read_text(encoding="utf-8"))


def _publish(summary: IngestSummary) -> None:
    rows = [{"status": k, "count": v} for k, v in summary.counts.items()]
    rows += [{"status": f"extract {k}", "count": v} for k, v in summary.extract.items() if isinstance(v, int)]
    rows += [{"status": f"index {k}", "count": v} for k, v in summary.index.items() if isinstance(v, int)]
    key = "ingest-" + "".join(c if c.isalnum() else "-" for c in summary.source.lower())
    create_table_artifact(rows, key=key + "-counts", description=f"Ingestion of {summary.source}")
    lines = [f"# Ingestion of `{summary.source}`", "", f"Result: **{'ok' if summary.ok else 'failed'}**", ""]
    if summary.error:
        lines += [f"Error: `{summary.error}`", ""]
    lines += ["| step | seconds |", "|---|---|"] + [f"| {k} | {v} |" for k, v in summary.timings.items()]
    lines += ["", "| throughput | value |", "|---|---|"] + [
        f"| {k} | {v} |" for k, v in summary.throughput.items()
    ]
    lines += ["", "Executed notebooks:", ""] + [f"- {k}: `{v}`" for k, v in summary.notebooks.items()]
    create_markdown_artifact("\n".join(lines), key=key + "-summary", description="run summary")


@flow(name="ingest-source", flow_run_name="ingest-{source_name}", log_prints=True)
def ingest_source_flow(
    source_name: str,
    sources_file: str | None = None,
    data_dir: str | None = None,
    serve_demo_site: bool = False,
) -> dict[str, Any]:
    """Crawl, extract and index one source by executing the three notebooks with papermill."""
    settings = _settings(sources_file, data_dir)
    return run_ingest(settings, source_name, serve_demo_site=serve_demo_site).model_dump()


def run_ingest(settings: Settings, source_name: str, *, serve_demo_site: bool = False) -> IngestSummary:
    sources = {s.name: s for s in load_sources(settings.sources_file)}
    if source_name not in sources:
        from auskunft.errors import SourceError

        raise SourceError(
            f"unknown source {source_name!r} in {settings.sources_file} (known: {sorted(sources)})"
        )
    with source_lock(settings.runs_dir.resolve(), source_name):
        run_dir, resumed = start_run_dir(settings.runs_dir.resolve(), source_name)
        return _run_in(
            settings, sources[source_name], run_dir, resumed=resumed, serve_demo_site=serve_demo_site
        )


def _run_in(
    settings: Settings, source: Any, run_dir: Path, *, resumed: bool, serve_demo_site: bool
) -> IngestSummary:
    from auskunft.pipeline.progress import ProgressLog

    cwd = Path.cwd().resolve()
    params = {
        "SOURCE": source.name,
        "SOURCES_FILE": str(settings.sources_file.resolve()),
        "DATA_DIR": str(settings.data_dir.resolve()),
        "RUN_DIR": str(run_dir),
    }
    summary = IngestSummary(source=source.name, run_dir=str(run_dir), ok=False, resumed=resumed)
    notebooks_dir = str(settings.notebooks_dir.resolve())
    events = ProgressLog(run_dir)
    events.emit("run", resumed=resumed)
    try:
        with progress_artifact(run_dir, source.name):
            for step in STEPS:
                if step == "extract":  # the batches first, over the pool's workers and this host's cores
                    t0 = time.perf_counter()
                    fan_out(settings, source, run_dir)
                    summary.timings["batches"] = round(time.perf_counter() - t0, 2)
                p = dict(params, SERVE_DEMO_SITE=serve_demo_site) if step == "crawl" else params
                t0 = time.perf_counter()
                out = run_notebook(
                    step, notebooks_dir=notebooks_dir, run_dir=str(run_dir), parameters=p, cwd=str(cwd)
                )
                summary.timings[step] = round(time.perf_counter() - t0, 2)
                summary.notebooks[step] = str(run_dir / f"{step}.ipynb")
                if step == "crawl":
                    events.emit("done", step="crawl")
                    summary.counts = out.get("counts", {})
                elif step == "extract":
                    summary.extract = out.get("counts", {})
                    summary.throughput = out.get("throughput", {})
                else:
                    summary.index = out.get("counts", {})
        summary.ok = True
    except Exception as exc:
        summary.error = f"{type(exc).__name__}: {exc}"[:2000]
        raise
    finally:
        atomic_write_text(run_dir / SUMMARY, summary.model_dump_json(indent=2))
        if summary.ok:
            from auskunft.pipeline import finish_run

            finish_run(run_dir)
        try:
            _publish(summary)
        except Exception:  # artifacts are best effort; the summary file is the record
            log.warning("could not publish Prefect artifacts", exc_info=True)
    return summary


@flow(name="ingest-batches", flow_run_name="batches-{source_name}", log_prints=True)
def ingest_batches_flow(
    source_name: str,
    run_dir: str,
    batches: list[int],
    sources_file: str | None = None,
    data_dir: str | None = None,
) -> dict[str, Any]:
    """Extract and embed some batches of a run on this worker's cores (started by the ingest flow)."""
    from auskunft.pipeline import get_source, load_manifest, run_batches
    from auskunft.pipeline.batches import PLAN as PLAN_FILE
    from auskunft.pipeline.batches import BatchPlan, batches_dir
    from auskunft.pipeline.worker import batch_job

    settings = _settings(sources_file, data_dir)
    path = Path(run_dir)
    plan = BatchPlan.model_validate_json((batches_dir(path) / PLAN_FILE).read_text(encoding="utf-8"))
    records = {r.url: r for r in load_manifest(path).records}
    job = batch_job(settings, get_source(settings, source_name), path)
    reports = run_batches(job, plan, batches, processes=settings.ingest_processes, records=records)
    return {"batches": [r.index for r in reports], "documents": sum(r.extracted for r in reports)}


def _settings(sources_file: str | None, data_dir: str | None) -> Settings:
    settings = get_settings()
    overrides: dict[str, Any] = {}
    if sources_file:
        overrides["sources_file"] = Path(sources_file)
    if data_dir:
        overrides["data_dir"] = Path(data_dir)
    return settings.model_copy(update=overrides) if overrides else settings


@flow(name="ingest-all", log_prints=True)
def ingest_all_flow(sources_file: str | None = None, data_dir: str | None = None) -> list[dict[str, Any]]:
    """Ingest every source in sources.yml, one after the other (a failing source does not stop the rest)."""
    settings = get_settings()
    path = Path(sources_file) if sources_file else settings.sources_file
    results = []
    for source in load_sources(path):
        try:
            results.append(ingest_source_flow(source.name, sources_file=str(path), data_dir=data_dir))
        except Exception as exc:
            log.error("source %s failed: %s", source.name, exc)
            results.append({"source": source.name, "ok": False, "error": str(exc)})
    return results
