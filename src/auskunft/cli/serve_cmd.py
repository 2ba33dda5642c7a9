"""`auskunft serve`: start the chat service (Robyn) as `python -m service`."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from auskunft.cli import app
from auskunft.cli._common import start


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="bind address (default SERVICE_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default SERVICE_PORT)")] = None,
    processes: Annotated[
        int | None, typer.Option(help="worker processes (share DATA_DIR/state.db or Redis)")
    ] = None,
) -> None:
    """Serve the chat API, the widget (/widget.js) and the demo page (/demo)."""
    settings = start()
    args = [
        sys.executable,
        "-m",
        "service",
        "--host",
        host or settings.service_host,
        "--port",
        str(port or settings.service_port),
        "--processes",
        str(processes or settings.service_processes),
    ]
    os.execv(sys.executable, args)  # noqa: S606 - replace this process: signals reach the service directly
