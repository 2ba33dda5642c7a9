"""`auskunft` command line. Each sub-module registers its commands on `app`."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="auskunft",
    help="Self-hosted RAG chatbot: crawl, extract, index, serve, evaluate.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def _root() -> None:
    """Self-hosted RAG chatbot: crawl, extract, index, serve, evaluate."""


@app.command()
def version() -> None:
    """Print the auskunft version."""
    from auskunft import __version__

    typer.echo(__version__)


# Registration by import; keep this list in sync with the modules in this package.
from auskunft.cli import (  # noqa: E402,F401
    admin_cmd,
    analytics_cmd,
    demo_cmd,
    eval_cmd,
    index_cmd,
    ingest_cmd,
    serve_cmd,
    sources_cmd,
)
