"""`auskunft eval`: evaluate an index version on a QA set (MLflow), compare runs, run benchmarks."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from auskunft.cli import app
from auskunft.cli._common import cli_errors, console, start

eval_app = typer.Typer(
    help="Evaluate retrieval and answers per index version (tracked in MLflow).", invoke_without_command=True
)
app.add_typer(eval_app, name="eval")


@eval_app.callback()
def evaluate(
    ctx: typer.Context,
    index: Annotated[str, typer.Option(help="'live' or a version number N of <kb>__vN")] = "live",
    dataset: Annotated[str, typer.Option(help="QA set name in datasets/qa or a path")] = "demo-site",
    mode: Annotated[str | None, typer.Option(help="retrieval mode override: hybrid, dense or sparse")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Run every question through the service's retrieval + chat path; log one MLflow run."""
    if ctx.invoked_subcommand is not None:
        return
    settings = start()
    with cli_errors():
        from auskunft.evaluation.runner import evaluate as run

        result = run(settings, index=index, dataset=dataset, mode=mode)
        if as_json:
            typer.echo(
                json.dumps(
                    {"run_id": result.run_id, "index": result.index, "metrics": result.metrics}, indent=2
                )
            )
            return
        from rich.table import Table

        table = Table(title=f"{result.dataset} on {result.index} (MLflow run {result.run_id})")
        table.add_column("metric")
        table.add_column("value", justify="right")
        for k, v in result.metrics.items():
            table.add_row(k, f"{v:.4f}" if isinstance(v, float) else str(v))
        console.print(table)


@eval_app.command()
def compare(a: str, b: str, dataset: Annotated[str | None, typer.Option()] = None) -> None:
    """Per-metric deltas B - A and the questions that got worse (A, B: MLflow run ids or index versions)."""
    settings = start()
    with cli_errors():
        from rich.table import Table

        from auskunft.evaluation.compare import compare_runs

        res = compare_runs(settings, a, b, dataset)
        table = Table(title=f"{res['a']['index']} -> {res['b']['index']}")
        for col in ("metric", "A", "B", "delta"):
            table.add_column(col)
        for d in res["deltas"]:
            delta = d["delta"]
            style = "red" if delta is not None and delta < 0 else ""
            table.add_row(
                d["metric"], str(d["a"]), str(d["b"]), f"[{style}]{delta}[/]" if style else str(delta)
            )
        console.print(table)
        console.print(f"questions that got worse: {len(res['worse'])}")
        for w in res["worse"]:
            console.print(f"  {w['id']}: {w['question']}  {w['drops']}")


@eval_app.command()
def gate(candidate: int, baseline: Annotated[int | None, typer.Option()] = None) -> None:
    """Evaluate candidate vs baseline (default: live) and promote the candidate only if no gate metric regresses."""
    settings = start()
    with cli_errors():
        from auskunft.evaluation.gate import evaluate_and_promote
        from auskunft.index import IndexManager, open_store

        key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
        client = open_store(settings.qdrant_url, settings.qdrant_path, key)
        try:
            decision = evaluate_and_promote(
                settings, IndexManager(client, settings.kb_name), candidate=candidate, baseline=baseline
            )
        finally:
            client.close()
        console.print(
            ("[green]promoted[/]" if decision.passed else "[red]refused[/]")
            + ": "
            + "; ".join(decision.reasons)
        )
        if not decision.passed:
            raise typer.Exit(code=3)
