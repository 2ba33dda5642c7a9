"""MLflow logging (sqlite under DATA_DIR by default) and reading runs back for compare/gate."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from auskunft.config import Settings
from auskunft.evaluation.report import EvalResult, is_failing, write_artifacts

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
EXPERIMENT = "auskunft-eval"


def _mlflow(settings: Settings):  # noqa: ANN202
    import mlflow

    mlflow.set_tracking_uri(settings.mlflow_uri)
    if mlflow.get_experiment_by_name(EXPERIMENT) is None:
        settings.mlflow_artifacts_dir.mkdir(parents=True, exist_ok=True)
        mlflow.create_experiment(
            EXPERIMENT, artifact_location=settings.mlflow_artifacts_dir.resolve().as_uri()
        )
    mlflow.set_experiment(EXPERIMENT)
    return mlflow


def log_run(settings: Settings, result: EvalResult) -> str:
    mlflow = _mlflow(settings)
    with mlflow.start_run(run_name=f"{result.index}:{result.dataset}") as run:
        mlflow.set_tags({"index": result.index, "dataset": result.dataset})
        mlflow.log_params(result.params)
        mlflow.log_metrics({k.replace("@", "_at_"): v for k, v in result.metrics.items()})
        with tempfile.TemporaryDirectory() as tmp:
            for path in write_artifacts(result, Path(tmp)):
                mlflow.log_artifact(str(path))
        return run.info.run_id


def find_run(settings: Settings, ref: str, dataset: str | None = None) -> dict:
    """A run by id, or the newest run for an index version ("3", "v3" or "<kb>__v3") and dataset."""
    mlflow = _mlflow(settings)
    client = mlflow.tracking.MlflowClient()
    try:
        run = client.get_run(ref)
    except Exception:
        if ref.lstrip("v").isdigit():  # an index version number: "3" or "v3" -> <kb>__v3
            ref = f"{settings.kb_name}__v{int(ref.lstrip('v'))}"
        filt = f"tags.index = '{ref}'" + (f" and tags.dataset = '{dataset}'" if dataset else "")
        runs = client.search_runs(
            [mlflow.get_experiment_by_name(EXPERIMENT).experiment_id],
            filt,
            order_by=["attributes.start_time DESC"],
            max_results=1,
        )
        if not runs:
            from auskunft.errors import AuskunftError

            raise AuskunftError(f"no evaluation run for {ref!r}", code="run_not_found") from None
        run = runs[0]
    metrics = {k.replace("_at_", "@"): v for k, v in run.data.metrics.items()}
    return {"run_id": run.info.run_id, "index": run.data.tags.get("index"), "metrics": metrics}


def download_questions(settings: Settings, run_id: str) -> list[dict]:
    import csv
    import json

    mlflow = _mlflow(settings)
    path = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="questions.csv")
    with open(path, encoding="utf-8") as fh:
        return [dict(r, scores=json.loads(r["scores"] or "{}")) for r in csv.DictReader(fh)]


def list_runs(settings: Settings, dataset: str | None = None, max_results: int = 50):  # noqa: ANN201 - DataFrame
    """Evaluation runs, newest first: run id, index, dataset, start time and every metric (names with '@')."""
    import pandas as pd

    mlflow = _mlflow(settings)
    filt = f"tags.dataset = '{dataset}'" if dataset else ""
    runs = mlflow.search_runs(
        experiment_names=[EXPERIMENT],
        filter_string=filt,
        max_results=max_results,
        order_by=["attributes.start_time DESC"],
    )
    if runs.empty:
        return pd.DataFrame(columns=["run_id", "index", "dataset", "start_time"])
    out = pd.DataFrame(
        {
            "run_id": runs["run_id"],
            "index": runs.get("tags.index"),
            "dataset": runs.get("tags.dataset"),
            "start_time": runs["start_time"],
        }
    )
    for col in sorted(c for c in runs.columns if c.startswith("metrics.")):
        out[col.removeprefix("metrics.").replace("_at_", "@")] = runs[col]
    return out


def questions_table(settings: Settings, run_id: str):  # noqa: ANN201 - DataFrame
    """The per-question table of a run (Parquet artifact) with a `failing` column."""
    import pandas as pd

    mlflow = _mlflow(settings)
    frame = pd.read_parquet(
        mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="questions.parquet")
    )
    hit = frame["score.hit@5"] if "score.hit@5" in frame else pd.Series([None] * len(frame))
    frame["failing"] = [
        is_failing(bool(a), bool(f), None if pd.isna(h) else float(h))
        for a, f, h in zip(frame["answerable"], frame["found"], hit, strict=True)
    ]
    return frame
