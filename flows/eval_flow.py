"""Scheduled evaluation of the live index (deployment entrypoint: flows/eval_flow.py:evaluate_live_flow).

    python flows/eval_flow.py serve --cron "30 4 * * *" --dataset demo-site   # schedule in the Prefect UI
    python flows/eval_flow.py run --dataset demo-site                          # one run now

Each run logs one MLflow run (the same as `auskunft eval --index live`) and compares it with the previous
run on the same dataset using the gate metrics (EVAL_GATE_METRICS, EVAL_GATE_TOLERANCE); with
`fail_on_regression` a regression fails the flow run, so it shows red in the UI. With the embedded
Qdrant (no QDRANT_URL) the evaluation needs the storage path to itself: stop the service or use a server.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from prefect import flow

from auskunft.config import get_settings
from auskunft.errors import GateRefusedError
from auskunft.evaluation.gate import gate, gate_metrics
from auskunft.evaluation.runner import evaluate
from auskunft.evaluation.tracking import find_run, list_runs


@flow(name="evaluate-live", flow_run_name="evaluate-live-{dataset}", log_prints=True)
def evaluate_live_flow(
    dataset: str = "demo-site", data_dir: str | None = None, fail_on_regression: bool = False
) -> dict[str, Any]:
    settings = get_settings()
    if data_dir:
        settings = settings.model_copy(update={"data_dir": Path(data_dir)})
    result = evaluate(settings, index="live", dataset=dataset)
    summary: dict[str, Any] = {
        "run_id": result.run_id,
        "index": result.index,
        "dataset": result.dataset,
        "metrics": result.metrics,
        "regressions": [],
        "previous_run_id": None,
    }
    runs = list_runs(settings, result.dataset, max_results=2)
    previous = [r for r in runs["run_id"] if r != result.run_id]
    if previous:
        before = find_run(settings, previous[0])
        decision = gate(
            result.metrics, before["metrics"], gate_metrics(settings), settings.eval_gate_tolerance
        )
        summary["previous_run_id"] = before["run_id"]
        summary["regressions"] = [] if decision.passed else decision.reasons
    print(f"evaluated {result.index} on {result.dataset}: MLflow run {result.run_id}, {result.metrics}")
    if summary["regressions"]:
        print("regressions since the previous run: " + "; ".join(summary["regressions"]))
        if fail_on_regression:
            raise GateRefusedError("; ".join(summary["regressions"]))
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("mode", choices=["serve", "run"])
    parser.add_argument("--cron", default="30 4 * * *")
    parser.add_argument("--dataset", default="demo-site")
    parser.add_argument("--fail-on-regression", action="store_true")
    args = parser.parse_args()
    params = {"dataset": args.dataset, "fail_on_regression": args.fail_on_regression}
    if args.mode == "serve":
        evaluate_live_flow.serve(name="evaluate-live", cron=args.cron, parameters=params, tags=["eval"])
    else:
        print(evaluate_live_flow(**params))


if __name__ == "__main__":
    main()
