"""`auskunft analytics`: what visitors ask, what is not answered, feedback and latency (DuckDB over the event log)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from auskunft.cli import app
from auskunft.cli._common import console, start


@app.command()
def analytics(
    limit: Annotated[int, typer.Option(help="rows per table")] = 15,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of tables")] = False,
) -> None:
    """Top questions, unanswered questions, feedback and latency percentiles."""
    from rich.table import Table
    from rich.text import Text

    from auskunft.events import analytics as a
    from auskunft.events import clean_text

    settings = start()
    report = {
        "top_questions": a.top_questions(settings.events_dir, limit),
        "unanswered": a.unanswered(settings.events_dir, limit),
        "feedback": a.feedback_summary(settings.events_dir),
        "latency": a.latency(settings.events_dir),
    }
    if as_json:
        typer.echo(json.dumps(report, indent=2, default=str, ensure_ascii=False))
        return
    for name, rows in report.items():
        table = Table(title=name.replace("_", " "))
        if not rows:
            console.print(f"{name}: no events yet")
            continue
        for col in rows[0]:
            table.add_column(col)
        for row in rows:
            # visitor text is plain Text (no Rich markup such as "[link=...]") without control characters
            table.add_row(*[Text(clean_text(str(v))) for v in row.values()])
        console.print(table)
