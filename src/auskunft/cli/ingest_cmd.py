"""`auskunft ingest`: crawl, extract and index sources."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from auskunft.cli import app
from auskunft.cli._common import cli_errors, console, start


@app.command()
def ingest(
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="source name (repeatable); default: all")
    ] = None,
    direct: Annotated[
        bool, typer.Option(help="run the steps in this process, without Prefect and papermill (debugging)")
    ] = False,
    serve_demo_site: Annotated[bool, typer.Option(help="serve datasets/demo-site while crawling")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the run summaries as JSON")] = False,
    progress: Annotated[bool, typer.Option(help="live progress bars (documents, pages, chunks, ETA)")] = True,
) -> None:
    """Crawl -> extract -> index. By default runs the `ingest-source` Prefect flow (notebooks via papermill)."""
    settings = start()
    with cli_errors():
        from auskunft.sources import load_sources

        names = source or [s.name for s in load_sources(settings.sources_file)]
        summaries = []
        for name in names:
            with _live_progress(settings.runs_dir, name, enabled=progress and not as_json):
                if direct:
                    from auskunft.ingest import run_direct

                    summary = run_direct(settings, name, serve_demo_site=serve_demo_site)
                else:
                    from auskunft.orchestration import ingest_source_flow

                    summary = ingest_source_flow(
                        name,
                        sources_file=str(settings.sources_file),
                        data_dir=str(settings.data_dir),
                        serve_demo_site=serve_demo_site,
                    )
            summaries.append(summary)
            if not as_json:
                _print_summary(summary)
        if as_json:
            typer.echo(json.dumps(summaries, indent=2, default=str))


@contextmanager
def _live_progress(runs_dir: Path, source: str, *, enabled: bool) -> Iterator[None]:
    """Bars fed by the run's progress file, which every process of the run (flow, notebooks, batch
    workers) appends to; works the same for --direct and the Prefect flow."""
    if not enabled:
        yield
        return
    from auskunft.pipeline.progress import ProgressWatcher, RichBars, newest_progress_file

    since = time.time() - 1
    with (
        RichBars(source) as bars,
        ProgressWatcher(lambda: newest_progress_file(runs_dir, source, since), bars.update),
    ):
        yield


def _print_summary(summary: dict) -> None:
    from rich.table import Table

    table = Table(title=f"ingest {summary['source']} ({'ok' if summary['ok'] else 'FAILED'})")
    table.add_column("what")
    table.add_column("count", justify="right")
    for group in ("counts", "extract", "index"):
        for k, v in summary.get(group, {}).items():
            table.add_row(f"{group}: {k}", str(v))
    for k, v in summary.get("timings", {}).items():
        table.add_row(f"seconds: {k}", str(v))
    for k, v in summary.get("throughput", {}).items():
        table.add_row(f"throughput: {k}", str(v))
    console.print(table)
    if summary.get("promotion"):
        console.print(f"promotion of v{summary['promotion']['version']}: {summary['promotion']['reason']}")
    console.print(f"run folder: {summary['run_dir']}")
