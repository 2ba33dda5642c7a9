"""Prefect flows: an ingestion run whose steps are the notebooks (papermill), spread over the work pool.

`ingest_source_flow` is `auskunft.ingest.run_source` with the `NotebookRunner`: each step executes its
notebook (notebooks/<step>.ipynb) into the run folder, as a Prefect task that retries transient failures,
and the batches (the new/changed documents, extracted and embedded in parallel) run as flow runs of the
`ingest-batches` deployment on the pool's workers when INGEST_BATCH_DEPLOYMENT is set, and on this host's
cores for whatever is left. The summary and a live progress bar are published as Prefect artifacts.
flows/ holds the thin deployment entry points that import these.
"""

from __future__ import annotations

import logging
import time
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import papermill
from papermill.exceptions import PapermillExecutionError
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from auskunft.config import Settings, get_settings
from auskunft.ingest import RunSummary, run_source
from auskunft.pipeline.fanout import fan_out, progress_artifact, run_batch_group
from auskunft.pipeline.notebook import get_source
from auskunft.pipeline.steps import StepOutputs, StepParams, load_outputs
from auskunft.sources import load_sources

log = logging.getLogger(__name__)

TRANSIENT_MARKERS = (
    "Timeout",
    "timed out",
    "ConnectionError",
    "Connection refused",
    "DeadKernelError",
    "already accessed by another instance",
    "Temporary failure",
)


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
    return load_outputs(Path(run_dir), step).model_dump()


class NotebookRunner:
    """Each step executes its notebook (a retried Prefect task); the batches go to the pool's workers."""

    name = "notebooks"

    def __init__(self, notebooks_dir: Path, cwd: Path | None = None) -> None:
        self.notebooks_dir = notebooks_dir.resolve()
        self.cwd = (cwd or Path.cwd()).resolve()

    def run(self, step: str, params: StepParams) -> StepOutputs:
        parameters = params.notebook_parameters(step)
        if step == "index":
            parameters["PROMOTE"] = False  # the run promotes after indexing (auskunft.promotion)
        recorded = run_notebook(
            step,
            notebooks_dir=str(self.notebooks_dir),
            run_dir=str(params.run_dir),
            parameters=parameters,
            cwd=str(self.cwd),
        )
        outputs = StepOutputs.model_validate(recorded)
        outputs.notebook = str(params.run_dir / f"{step}.ipynb")
        return outputs

    def run_batches(self, params: StepParams) -> None:
        fan_out(params.settings, params.source, params.run_dir)

    def watching(self, params: StepParams) -> AbstractContextManager[object]:
        return progress_artifact(params.run_dir, params.source.name)

    def publish(self, summary: RunSummary) -> None:
        rows = [{"status": k, "count": v} for k, v in summary.counts.items()]
        rows += [{"status": f"extract {k}", "count": v} for k, v in summary.extract.items()]
        rows += [{"status": f"index {k}", "count": v} for k, v in summary.index.items()]
        key = "ingest-" + "".join(c if c.isalnum() else "-" for c in summary.source.lower())
        create_table_artifact(rows, key=key + "-counts", description=f"Ingestion of {summary.source}")
        create_markdown_artifact(_summary_markdown(summary), key=key + "-summary", description="run summary")


def _summary_markdown(summary: RunSummary) -> str:
    lines = [f"# Ingestion of `{summary.source}`", "", f"Result: **{'ok' if summary.ok else 'failed'}**", ""]
    if summary.error:
        lines += [f"Error: `{summary.error}`", ""]
    if summary.promotion is not None:
        lines += [f"Promotion of v{summary.promotion.version}: {summary.promotion.reason}", ""]
    lines += ["| step | seconds |", "|---|---|"] + [f"| {k} | {v} |" for k, v in summary.timings.items()]
    lines += ["", "| throughput | value |", "|---|---|"] + [
        f"| {k} | {v} |" for k, v in summary.throughput.items()
    ]
    lines += ["", "Executed notebooks:", ""] + [f"- {k}: `{v}`" for k, v in summary.notebooks.items()]
    return "\n".join(lines)


@flow(name="ingest-source", flow_run_name="ingest-{source_name}", log_prints=True)
def ingest_source_flow(
    source_name: str,
    sources_file: str | None = None,
    data_dir: str | None = None,
    serve_demo_site: bool = False,
) -> dict[str, Any]:
    """Crawl, extract and index one source by executing the three notebooks with papermill, then promote."""
    settings = _settings(sources_file, data_dir)
    runner = NotebookRunner(settings.notebooks_dir)
    summary = run_source(settings, get_source(settings, source_name), runner, serve_demo_site=serve_demo_site)
    return summary.model_dump(mode="json")


@flow(name="ingest-batches", flow_run_name="batches-{source_name}", log_prints=True)
def ingest_batches_flow(
    source_name: str,
    run_dir: str,
    batches: list[int],
    sources_file: str | None = None,
    data_dir: str | None = None,
) -> dict[str, Any]:
    """Extract and embed some batches of a run on this worker's cores (started by the ingest flow)."""
    settings = _settings(sources_file, data_dir)
    params = StepParams(settings=settings, source=get_source(settings, source_name), run_dir=Path(run_dir))
    return run_batch_group(params, batches).model_dump()


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
