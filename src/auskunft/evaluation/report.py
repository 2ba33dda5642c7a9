"""An evaluation run's result and what is written of it: per-question table (CSV, Parquet) and HTML report.

Shared by the runner (which produces an EvalResult) and tracking (which logs it to MLflow and reads it back).
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from pydantic import BaseModel


class EvalResult(BaseModel):
    run_id: str | None
    index: str
    dataset: str
    metrics: dict[str, float]
    rows: list[dict]
    params: dict[str, str]


def is_failing(answerable: bool, found: bool, hit_at_5: float | None) -> bool:
    """A question QA should look at: gold source not in the top 5 or no answer given; or an answer given
    where the documents hold none."""
    if answerable:
        return not found or (hit_at_5 is not None and hit_at_5 < 1)
    return found


def html_report(result: EvalResult) -> str:
    head = "".join(f"<tr><th>{html.escape(k)}</th><td>{v}</td></tr>" for k, v in result.metrics.items())
    rows = []
    for r in result.rows:
        bad = is_failing(r["answerable"], r["found"], r["scores"].get("hit@5"))
        rows.append(
            f"<tr class='{'bad' if bad else ''}'><td>{html.escape(r['id'])}</td><td>{html.escape(r['question'])}</td>"
            f"<td>{html.escape(r['answer'][:600])}</td><td>{html.escape(', '.join(r['gold']))}</td>"
            f"<td>{html.escape(json.dumps(r['scores']))}</td></tr>"
        )
    return (
        f"<!doctype html><meta charset=utf-8><title>eval {html.escape(result.index)}</title>"
        "<style>body{font-family:sans-serif}td,th{border:1px solid #ccc;padding:4px;vertical-align:top}"
        ".bad{background:#fee}</style>"
        f"<h1>{html.escape(result.dataset)} on {html.escape(result.index)}</h1><table>{head}</table>"
        "<h2>Questions</h2><table><tr><th>id</th><th>question</th><th>answer</th><th>gold</th><th>scores</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def write_artifacts(result: EvalResult, folder: Path) -> list[Path]:
    import csv

    folder.mkdir(parents=True, exist_ok=True)
    table = folder / "questions.csv"
    with open(table, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "id",
                "question",
                "answerable",
                "found",
                "answer",
                "reference",
                "gold",
                "retrieved",
                "contexts",
                "latency_ms",
                "scores",
            ]
        )
        for r in result.rows:
            w.writerow(
                [
                    r["id"],
                    r["question"],
                    r["answerable"],
                    r["found"],
                    r["answer"],
                    r["reference"],
                    " ".join(r["gold"]),
                    " ".join(r["retrieved"]),
                    json.dumps(r["contexts"], ensure_ascii=False),
                    r["latency_ms"],
                    json.dumps(r["scores"]),
                ]
            )
    parquet = folder / "questions.parquet"
    questions_frame(result.rows).to_parquet(parquet, index=False)
    report = folder / "report.html"
    report.write_text(html_report(result), encoding="utf-8")
    return [table, parquet, report]


def questions_frame(rows: list[dict]):  # noqa: ANN201 - pandas.DataFrame (pandas imported lazily)
    """One row per question, one column per score (`score.<name>`), lists joined for display."""
    import pandas as pd

    flat = []
    for r in rows:
        row = {k: v for k, v in r.items() if k != "scores"}
        for key in ("gold", "retrieved"):
            row[key] = " ".join(row.get(key) or [])
        row["contexts"] = json.dumps(row.get("contexts") or [], ensure_ascii=False)
        row |= {f"score.{k}": v for k, v in (r.get("scores") or {}).items()}
        flat.append(row)
    return pd.DataFrame(flat)
