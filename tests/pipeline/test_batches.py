"""Batch plan, vector files and the host's process count: the pieces a resumed or spread run relies on."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from auskunft.models import CrawlManifest, CrawlRecord, Document, IndexConfig, PageText
from auskunft.pipeline.batches import pending, plan_batches, report_path
from auskunft.pipeline.embed_cache import CachedEmbedder, EmbeddingFiles
from auskunft.pipeline.fanout import groups_of
from auskunft.pipeline.worker import default_processes


def _manifest(urls: list[str], status: str = "new") -> CrawlManifest:
    recs = [CrawlRecord(url=u, source="s", status=status, sha256=f"{i:064x}") for i, u in enumerate(urls)]  # type: ignore[arg-type]
    return CrawlManifest(source="s", run_id="r", started_at=datetime.now(UTC), records=recs)


def test_plan_is_written_once_and_reused_by_a_resumed_run(tmp_path: Path) -> None:
    urls = [f"https://x.example/{i}" for i in range(7)]
    plan = plan_batches(tmp_path, _manifest(urls), batch_docs=3)
    assert [b.urls for b in plan.batches] == [urls[0:3], urls[3:6], urls[6:7]]
    # a resumed run plans again with another manifest object or size: the first plan stands
    again = plan_batches(tmp_path, _manifest(urls[:2]), batch_docs=1)
    assert again == plan
    report_path(tmp_path, 1).write_text("{}")
    assert pending(tmp_path, plan) == [0, 2]
    unchanged = plan_batches(tmp_path / "other", _manifest(urls, status="unchanged"), batch_docs=3)
    assert unchanged.documents == 0 and unchanged.batches == []


def test_groups_spread_batches_over_workers() -> None:
    assert groups_of([0, 1, 2, 3, 4], 2) == [[0, 2, 4], [1, 3]]
    assert groups_of([0, 1], 5) == [[0], [1]]
    assert groups_of([3], 0) == [[3]]


def test_processes_follow_the_container_cpu_quota(tmp_path: Path) -> None:
    cpu_max = tmp_path / "cpu.max"
    cpu_max.write_text("100000 100000\n")
    assert default_processes(0, cpu_max) == 1
    cpu_max.write_text("max 100000\n")
    assert default_processes(0, cpu_max) >= 1
    assert default_processes(5, cpu_max) == 5
    assert default_processes(0, tmp_path / "missing") >= 1


class _Embedder:
    name, model, dim = "test:e", "e", 2

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def start(self) -> None: ...

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        self.embedded += texts
        return [[float(len(t)), 1.0] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return [0.0, 1.0]


def test_vectors_of_the_batches_are_served_and_only_misses_embedded(tmp_path: Path) -> None:
    config = IndexConfig(
        embedding_backend="test",
        embedding_model="e",
        embedding_dim=2,
        chunk_max_tokens=100,
        chunk_min_tokens=10,
        chunk_overlap_tokens=0,
    )
    doc = Document(
        doc_id="d1",
        url="https://x.example/a",
        source="s",
        kind="html",
        sha256="ab" * 32,
        crawled_at=datetime.now(UTC),
        extractor="t@1",
        pages=[PageText(number=None, markdown="x")],
    )
    files = EmbeddingFiles(tmp_path, config)
    files.save(doc, ["erste Passage", "zweite"], [[0.5, 0.25], [1.0, 2.0]])
    assert files.has(doc) and not list(files.root.glob(".*"))  # no temporary file left behind
    other = EmbeddingFiles(tmp_path, config.model_copy(update={"chunk_max_tokens": 200}))
    assert not other.load_all()  # another chunking never reuses these vectors

    inner = _Embedder()
    cached = CachedEmbedder(inner, files.load_all())
    out = cached.embed_passages(["zweite", "neu", "erste Passage"])
    assert out == [[1.0, 2.0], [3.0, 1.0], [0.5, 0.25]]
    assert inner.embedded == ["neu"] and (cached.hits, cached.misses) == (2, 1)
