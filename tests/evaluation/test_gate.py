"""A deliberately worse index version is measured worse and refused by the promotion gate; an equal one passes."""

from __future__ import annotations

from pathlib import Path

import pytest

from auskunft import pipeline
from auskunft.errors import GateRefusedError
from auskunft.evaluation.compare import compare_runs
from auskunft.evaluation.gate import gate
from auskunft.evaluation.tracking import find_run
from auskunft.promotion import promote_step
from tests.support.demo_index import build_demo_data

pytestmark = [pytest.mark.timeout(1200)]


def test_gate_function() -> None:
    ok = gate({"ndcg@10": 0.90, "mrr": 0.8}, {"ndcg@10": 0.905, "mrr": 0.8}, ["ndcg@10", "mrr"], 0.01)
    assert ok.passed
    bad = gate({"ndcg@10": 0.80, "mrr": 0.8}, {"ndcg@10": 0.905, "mrr": 0.8}, ["ndcg@10", "mrr"], 0.01)
    assert not bad.passed and "ndcg@10 regressed" in bad.reasons[0]
    assert not gate({}, {"mrr": 1.0}, ["mrr"], 0.01).passed
    ok.raise_if_refused()
    with pytest.raises(GateRefusedError, match="ndcg@10 regressed"):
        bad.raise_if_refused()


@pytest.mark.slow
def test_worse_version_is_refused_and_equal_one_promoted(tmp_path: Path) -> None:
    settings = build_demo_data(tmp_path / "data").model_copy(update={"eval_gate_dataset": "demo-site"})
    target = pipeline.index_target_from_settings(settings)
    assert [v["live"] for v in pipeline.list_versions(target)] == [True]
    run_dir = tmp_path / "run"
    run_dir.mkdir()

    worse = settings.model_copy(
        update={
            "chunk_max_tokens": 4,
            "chunk_min_tokens": 1,
            "chunk_overlap_tokens": 0,
            "chunk_context": False,
        }
    )
    report = pipeline.index_step(worse, "demo", run_dir=run_dir)
    assert report.new_version and report.version == 2
    promotion = promote_step(worse, run_dir)
    assert not promotion.promoted, promotion.reason
    assert "regressed" in promotion.reason
    versions = pipeline.list_versions(target)
    assert [v["version"] for v in versions if v["live"]] == [1]

    v1 = find_run(settings, "auskunft__v1", "demo-site.jsonl")
    v2 = find_run(settings, "auskunft__v2", "demo-site.jsonl")
    assert v2["metrics"]["ndcg@10"] < v1["metrics"]["ndcg@10"]
    diff = compare_runs(settings, v1["run_id"], v2["run_id"])
    assert any(d["metric"] == "ndcg@10" and d["delta"] < 0 for d in diff["deltas"])
    assert diff["worse"], "compare lists the questions that got worse"

    equal = settings.model_copy(update={"chunk_max_tokens": 340})
    report = pipeline.index_step(equal, "demo", run_dir=run_dir)
    promotion = promote_step(equal, run_dir)
    assert report.version == 3 and promotion.promoted, promotion.reason
    assert [v["version"] for v in pipeline.list_versions(target) if v["live"]] == [3]
