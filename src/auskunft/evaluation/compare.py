"""Compare two evaluation runs: per-metric deltas and the questions that got worse."""

from __future__ import annotations

from auskunft.config import Settings
from auskunft.evaluation.tracking import download_questions, find_run

KEY_SCORES = ("hit@5", "mrr", "citation_hit", "answered")


def compare_runs(settings: Settings, a: str, b: str, dataset: str | None = None) -> dict:
    run_a, run_b = find_run(settings, a, dataset), find_run(settings, b, dataset)
    metrics = sorted(set(run_a["metrics"]) | set(run_b["metrics"]))
    deltas = [
        {
            "metric": m,
            "a": run_a["metrics"].get(m),
            "b": run_b["metrics"].get(m),
            "delta": round(run_b["metrics"][m] - run_a["metrics"][m], 4)
            if m in run_a["metrics"] and m in run_b["metrics"]
            else None,
        }
        for m in metrics
    ]
    qa = {r["id"]: r for r in download_questions(settings, run_a["run_id"])}
    worse = []
    for r in download_questions(settings, run_b["run_id"]):
        before = qa.get(r["id"])
        if before is None:
            continue
        drops = {
            k: (before["scores"].get(k), r["scores"].get(k))
            for k in KEY_SCORES
            if isinstance(before["scores"].get(k), (int, float))
            and isinstance(r["scores"].get(k), (int, float))
            and r["scores"][k] < before["scores"][k]
        }
        if before["found"] != r["found"] and r.get("answerable") == "False":
            drops["no_answer"] = (before["found"], r["found"])
        if drops:
            worse.append({"id": r["id"], "question": r["question"], "drops": drops})
    return {"a": run_a, "b": run_b, "deltas": deltas, "worse": worse}


def compare_tables(result: dict):  # noqa: ANN201 - (deltas, worse) as DataFrames, for the QA notebook
    import pandas as pd

    worse = [
        {
            "id": w["id"],
            "question": w["question"],
            "drops": ", ".join(f"{k} {a} -> {b}" for k, (a, b) in w["drops"].items()),
        }
        for w in result["worse"]
    ]
    return pd.DataFrame(result["deltas"]), pd.DataFrame(worse, columns=["id", "question", "drops"])
