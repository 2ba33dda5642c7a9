"""`auskunft demo`: the main job on embedded defaults, end to end on datasets/demo-site."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from auskunft.cli import app
from auskunft.cli._common import cli_errors, console, start

REPO = Path(__file__).resolve().parents[3]


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="port of the chat service")] = 8080,
    skip_ingest: Annotated[bool, typer.Option(help="reuse the existing index")] = False,
    no_serve: Annotated[bool, typer.Option(help="ingest only, do not start the service")] = False,
) -> None:
    """Serve the demo site on 127.0.0.1:8765, ingest it through the Prefect flow, then serve chat + widget.

    Embedded defaults: local Qdrant storage and DuckDB/event files under DATA_DIR, in-process memory,
    no LLM (extractive answers) unless LLM_MODEL is set.
    """
    settings = start()
    sources_file = REPO / "datasets" / "sources.demo.yml"
    os.environ["SOURCES_FILE"] = str(sources_file)
    settings = settings.model_copy(update={"sources_file": sources_file})
    with cli_errors():
        from auskunft.pipeline import DEMO_SITE_DIR, demo_site, get_source

        source = get_source(settings, "demo")
        with demo_site(True, source, DEMO_SITE_DIR):
            console.print("demo site: http://localhost:8765/")
            if not skip_ingest:
                from auskunft.cli.ingest_cmd import _live_progress, _print_summary
                from auskunft.orchestration import ingest_source_flow

                with _live_progress(settings.runs_dir, "demo", enabled=True):
                    summary = ingest_source_flow(
                        "demo", sources_file=str(sources_file), data_dir=str(settings.data_dir)
                    )

                _print_summary(summary)
            if no_serve:
                return
            console.print(f"chat service: http://127.0.0.1:{port}/demo  (Ctrl-C stops)")
            cmd = [sys.executable, "-m", "auskunft", "serve", "--port", str(port)]
            try:
                subprocess.run(cmd, check=False)  # noqa: S603 - our own interpreter and module
            except KeyboardInterrupt:
                pass
