"""Prefect flows that run the ingestion notebooks with papermill.

Every flow run gets a run folder (see auskunft.pipeline) holding the executed notebooks, the step
outputs and a summary; the summary is also published as Prefect artifacts for the UI. flows/ holds
the thin deployment entry points that import these.
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
from auskunft.pipeline import new_run_dir
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
    notebooks: dict[str, str] = {}
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
    settings = get_settings()
    overrides: dict[str, Any] = {}
    if sources_file:
        overrides["sources_file"] = Path(sources_file)
    if data_dir:
        overrides["data_dir"] = Path(data_dir)
    if overrides:
        settings = settings.model_copy(update=overrides)
    return run_ingest(settings, source_name, serve_demo_site=serve_demo_site).model_dump()


def run_ingest(settings: Settings, source_name: str, *, serve_demo_site: bool = False) -> IngestSummary:
    names = {s.name for s in load_sources(settings.sources_file)}
    if source_name not in names:
        from auskunft.errors import SourceError

        raise SourceError(
            f"unknown source {source_name!r} in {settings.sources_file} (known: {sorted(names)})"
        )
    cwd = Path.cwd().resolve()
    run_dir = new_run_dir(settings.runs_dir.resolve(), source_name)
    params = {
        "SOURCE": source_name,
        "SOURCES_FILE": str(settings.sources_file.resolve()),
        "DATA_DIR": str(settings.data_dir.resolve()),
        "RUN_DIR": str(run_dir),
    }
    summary = IngestSummary(source=source_name, run_dir=str(run_dir), ok=False)
    notebooks_dir = str(settings.notebooks_dir.resolve())
    try:
        for step in STEPS:
            p = dict(params, SERVE_DEMO_SITE=serve_demo_site) if step == "crawl" else params
            t0 = time.perf_counter()
            out = run_notebook(
                step, notebooks_dir=notebooks_dir, run_dir=str(run_dir), parameters=p, cwd=str(cwd)
            )
            summary.timings[step] = round(time.perf_counter() - t0, 2)
            summary.notebooks[step] = str(run_dir / f"{step}.ipynb")
            if step == "crawl":
                summary.counts = out.get("counts", {})
            elif step == "extract":
                summary.extract = out.get("counts", {})
            else:
                summary.index = out.get("counts", {})
        summary.ok = True
    except Exception as exc:
        summary.error = f"{type(exc).__name__}: {exc}"[:2000]
        raise
    finally:
        (run_dir / "summary.json").write_text(summary.model_dump_json(indent=2), encoding="utf-8")
        try:
            _publish(summary)
        except Exception:  # artifacts are best effort; the summary file is the record
            log.warning("could not publish Prefect artifacts", exc_info=True)
    return summary


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
