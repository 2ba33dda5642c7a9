"""Run history from the Prefect API: a real (temporary) Prefect server and real flow runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from auskunft.console.prefect_runs import flow_runs


@pytest.fixture
def prefect_api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect-home"))
    monkeypatch.setenv("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    monkeypatch.setenv("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_flow_runs_of_a_source_newest_first_with_state_and_link(prefect_api: None) -> None:
    from prefect import flow

    @flow(name="ingest-source", flow_run_name="ingest-{source_name}")
    def fake_ingest(source_name: str, fail: bool = False) -> str:
        if fail:
            raise RuntimeError("crawl step failed: 3 URLs unreachable")
        return source_name

    fake_ingest("verband")
    fake_ingest("anderer")
    with pytest.raises(RuntimeError):
        fake_ingest("verband", fail=True)
    runs = flow_runs("verband", "https://prefect.example.org/")
    assert [r.state for r in runs] == ["Failed", "Completed"]
    assert all(r.name == "ingest-verband" for r in runs)
    assert runs[0].url == f"https://prefect.example.org/runs/flow-run/{runs[0].id}"
    assert "3 URLs unreachable" in runs[0].message and runs[1].message == ""
    assert runs[1].seconds is not None and runs[1].started.endswith("UTC")
