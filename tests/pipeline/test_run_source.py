"""The one run path (auskunft.ingest.run_source) with the in-process runner on the demo site: the summary
is a RunSummary with every step; promotion is its own step after indexing, and a run killed between index
and promotion promotes on the next run (which resumes it) without building the version again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auskunft import pipeline
from auskunft.config import Settings
from auskunft.devserver import serve_directory
from auskunft.ingest import InProcessRunner, RunSummary, run_direct, run_source
from auskunft.promotion import PROMOTION_REPORT
from tests.support.demo_index import DEMO_SITE, write_demo_sources

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def test_a_run_killed_before_promotion_promotes_on_the_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with serve_directory(DEMO_SITE) as srv:
        sources = write_demo_sources(tmp_path / "sources.yml", srv.origin)
        settings = Settings(data_dir=tmp_path / "data", sources_file=sources)
        target = pipeline.index_target_from_settings(settings)

        def killed(*args: object) -> None:
            raise KeyboardInterrupt  # what a kill between the index step and promotion leaves behind

        monkeypatch.setattr("auskunft.ingest.promote_step", killed)
        with pytest.raises(KeyboardInterrupt):
            run_direct(settings, "demo", processes=1)
        (run_dir,) = [p for p in (settings.runs_dir / "demo").iterdir() if p.is_dir()]
        assert not json.loads((run_dir / "summary.json").read_text())["ok"]
        assert [v["live"] for v in pipeline.list_versions(target)] == [False]  # built, not promoted
        monkeypatch.undo()

        first = run_direct(settings, "demo", processes=1)
        summary = RunSummary.model_validate(first)
        assert summary.ok and summary.resumed and summary.run_dir == str(run_dir)
        assert summary.runner == "in-process"
        assert summary.promotion is not None and summary.promotion.promoted
        assert summary.promotion.reason == "first version: promoted"
        assert set(summary.timings) == {"crawl", "batches", "extract", "index", "promote"}
        assert summary.counts["new"] >= 20  # the resumed run's crawl manifest
        # the resumed index step found the version it was building (written already: skipped, not redone)
        assert summary.index["docs_skipped"] > 0 and summary.index["version"] == 1
        assert summary.throughput["pages"] >= summary.extract["extracted"]
        assert [(v["version"], v["live"]) for v in pipeline.list_versions(target)] == [(1, True)]
        on_disk = RunSummary.model_validate_json((run_dir / "summary.json").read_text())
        assert on_disk == summary
        for step in ("crawl", "extract", "index"):  # what the notebooks record, recorded the same way
            assert pipeline.load_outputs(run_dir, step).counts
        assert (run_dir / PROMOTION_REPORT).exists()

        again = run_source(settings, pipeline.get_source(settings, "demo"), InProcessRunner())
        assert again.ok and not again.resumed and again.counts["unchanged"] == summary.counts["new"]
        assert again.promotion is not None and not again.promotion.new_version
        assert not again.promotion.promoted and again.index["docs_indexed"] == 0
        assert [v["version"] for v in pipeline.list_versions(target)] == [1]


def test_an_extractor_upgrade_extracts_unchanged_pages_again(tmp_path: Path) -> None:
    """A re-crawl finds every page unchanged, but the HTML extractor is newer than the one that made the
    stored documents: those (and only those) are extracted again, so the upgrade reaches the index."""
    from auskunft.extract import DocumentStore

    with serve_directory(DEMO_SITE) as srv:
        sources = write_demo_sources(tmp_path / "sources.yml", srv.origin)
        settings = Settings(data_dir=tmp_path / "data", sources_file=sources)
        first = RunSummary.model_validate(run_direct(settings, "demo", processes=1))
        docs = list(DocumentStore(settings.documents_dir).iter_source("demo"))
        html = [d for d in docs if d.kind == "html"]
        assert first.ok and html and len(html) < len(docs)  # the demo site links PDFs too

        # the stored HTML documents as an older extractor made them (what an upgrade of auskunft finds)
        store = DocumentStore(settings.documents_dir)
        current = html[0].extractor
        for d in html:
            store.save(d.model_copy(update={"extractor": "html-bs4md@1"}))
        upgraded = RunSummary.model_validate(run_direct(settings, "demo", processes=1))
        assert upgraded.ok and upgraded.counts["unchanged"] == first.counts["new"]
        assert upgraded.extract["extracted"] == len(html)  # the HTML pages (from the cache), not the PDFs
        after = {d.doc_id: d.extractor for d in store.iter_source("demo")}
        assert {after[d.doc_id] for d in html} == {current}

        again = RunSummary.model_validate(run_direct(settings, "demo", processes=1))
        assert again.ok and again.extract["extracted"] == 0
