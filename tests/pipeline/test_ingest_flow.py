"""End to end: the Prefect flow executes the three notebooks with papermill on the demo site.

First run indexes everything; an unchanged re-run re-extracts and re-embeds nothing; changing one page
re-embeds only it; deleting one removes its chunks.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from auskunft.config import get_settings
from auskunft.devserver import serve_directory
from tests.conftest import DEMO_SITE

pytestmark = pytest.mark.timeout(600)


@pytest.fixture()
def site_copy(tmp_path: Path):
    root = tmp_path / "site"
    shutil.copytree(DEMO_SITE, root, ignore=shutil.ignore_patterns("*.py", "*.md"))
    with serve_directory(root) as srv:
        yield root, srv


@pytest.fixture()
def demo_sources(tmp_path: Path, site_copy, monkeypatch: pytest.MonkeyPatch) -> Path:
    _, srv = site_copy
    path = tmp_path / "sources.yml"
    path.write_text(
        yaml.safe_dump(
            {
                "sources": [
                    {
                        "name": "demo",
                        "start_urls": ["http://localhost:8765/"],
                        "host_aliases": {"http://localhost:8765": srv.origin},
                        "allow_private": True,
                        "render_js": True,
                        "rate_limit_per_s": 100,
                        "concurrency": 4,
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect"))
    monkeypatch.setenv("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")  # busy test machines
    monkeypatch.setenv("NOTEBOOKS_DIR", str(Path(__file__).resolve().parents[2] / "notebooks"))
    get_settings.cache_clear()
    return path


def _run():
    from auskunft.orchestration import ingest_source_flow

    return ingest_source_flow("demo")


def _progress_artifact(source: str) -> float:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[f"ingest-progress-{source}"]))
        )
    assert found and found[0].type == "progress"
    return float(found[0].data)  # type: ignore[arg-type]


def test_flow_runs_notebooks_and_updates_incrementally(demo_sources: Path, site_copy) -> None:
    from auskunft import pipeline

    root, srv = site_copy
    settings = get_settings()
    target = pipeline.index_target_from_settings(settings)

    first = _run()
    assert first["ok"], first
    run_dir = Path(first["run_dir"])
    for step in ("crawl", "extract", "index"):
        nb = json.loads((run_dir / f"{step}.ipynb").read_text())
        assert nb["metadata"]["papermill"]["parameters"]["SOURCE"] == "demo"
        assert (run_dir / f"{step}.outputs.json").exists()
    assert (run_dir / "summary.json").exists()
    assert first["counts"]["new"] >= 20
    assert first["counts"]["skipped"] >= 1  # /intern/ (robots.txt)
    assert first["index"]["docs_indexed"] == first["counts"]["new"] - first["extract"].get("failed", 0)
    # batches: every new document went through one batch report; the index step embedded nothing itself
    reports = [json.loads(p.read_text()) for p in (run_dir / "batches").glob("0*.json")]
    assert sum(r["extracted"] + len(r["failures"]) for r in reports) == first["counts"]["new"]
    index_report = json.loads((run_dir / "index_report.json").read_text())
    assert index_report["chunks_embedded_here"] == 0
    assert index_report["chunks_from_batches"] == first["index"]["chunks_upserted"]
    assert not (run_dir / "embeddings").exists()  # the run's vectors are dropped once it finished
    assert (
        first["throughput"]["pages"] >= first["extract"]["extracted"]
        and first["throughput"]["pages_per_process_s"] > 0
    )
    extract_nb = (run_dir / "extract.ipynb").read_text()
    assert "pages_per_process_s" in extract_nb and "worker" in extract_nb  # batch table + throughput shown
    events = [json.loads(line) for line in (run_dir / "progress.jsonl").read_text().splitlines()]
    assert {"run", "plan", "docs", "chunks", "indexed"} <= {e["e"] for e in events}
    assert _progress_artifact("demo") == 100.0
    assert not any(p.startswith("/intern/") for p in srv.paths_requested())

    hits = pipeline.sample_search(target, "Trainerfortbildung Taktik Kassel")
    assert hits and hits[0]["url"] == "http://localhost:8765/termine/"  # JS-rendered content indexed
    hits = pipeline.sample_search(target, "nächste Mitgliederversammlung Würzburg Protokoll")
    assert any(h["url"].endswith("protokoll-mv-2025.pdf") and h["page"] == 1 for h in hits)  # OCR'd scan

    second = _run()
    assert second["ok"]
    assert second["counts"]["unchanged"] == first["counts"]["new"]
    assert second["counts"]["new"] == second["counts"]["changed"] == 0
    assert second["extract"]["extracted"] == 0
    assert second["index"]["docs_indexed"] == 0 and second["index"]["chunks_upserted"] == 0

    page = root / "wettkampf" / "meisterschaft-2026.html"
    page.write_text(page.read_text().replace("85 Euro", "95 Euro"))
    (root / "news" / "2026-hallensaison.html").unlink()
    third = _run()
    assert third["counts"]["changed"] == 1
    assert third["counts"]["gone"] == 1
    assert third["index"]["docs_indexed"] == 1
    assert third["index"]["docs_deleted"] == 1
    hits = pipeline.sample_search(target, "Meldegebühr Deutsche Meisterschaft")
    assert "95 Euro" in hits[0]["text"]
    assert not any(
        "hallensaison" in h["url"] for h in pipeline.sample_search(target, "Hallensaison Hamm November")
    )
