"""The scheduled-evaluation Prefect flow evaluates the live index and compares with the previous run."""

from __future__ import annotations

from pathlib import Path

import pytest

from auskunft.config import get_settings
from tests.support.demo_index import build_demo_data


@pytest.mark.slow
def test_eval_flow_logs_runs_and_compares(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    build_demo_data(data)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect"))
    monkeypatch.setenv("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")  # a busy 2-core machine
    get_settings.cache_clear()
    from flows.eval_flow import evaluate_live_flow

    first = evaluate_live_flow(dataset="demo-site", data_dir=str(data))
    assert first["index"] == "auskunft__v1" and first["previous_run_id"] is None
    assert first["metrics"]["hit@5"] > 0.8
    second = evaluate_live_flow(dataset="demo-site", data_dir=str(data), fail_on_regression=True)
    assert second["previous_run_id"] == first["run_id"] and second["regressions"] == []
    assert second["metrics"]["ndcg@10"] == first["metrics"]["ndcg@10"]
