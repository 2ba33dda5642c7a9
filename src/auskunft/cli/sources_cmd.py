"""`auskunft sources`: list and check the configured sources."""

from __future__ import annotations

import typer

from auskunft.cli import app
from auskunft.cli._common import cli_errors, console, start

sources_app = typer.Typer(help="List and validate the sources in SOURCES_FILE.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")


@sources_app.command("list")
def list_sources() -> None:
    """Show every source with its scope and schedule."""
    settings = start()
    with cli_errors():
        from rich.table import Table

        from auskunft.sources import load_sources

        table = Table(title=str(settings.sources_file))
        for col in ("name", "start urls", "js", "pdfs", "max pages", "schedule"):
            table.add_column(col)
        for s in load_sources(settings.sources_file):
            table.add_row(
                s.name,
                "\n".join(s.start_urls),
                str(s.render_js),
                str(s.follow_pdfs),
                str(s.max_pages),
                s.schedule or "-",
            )
        console.print(table)


@sources_app.command("check")
def check_sources() -> None:
    """Validate SOURCES_FILE (regexes, cron expressions, URLs); exit 2 with the reason if invalid."""
    settings = start()
    with cli_errors():
        from auskunft.sources import load_sources

        n = len(load_sources(settings.sources_file))
        console.print(f"{settings.sources_file}: {n} source(s) ok")
