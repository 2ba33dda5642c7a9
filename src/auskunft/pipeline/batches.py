"""A run's new and changed documents in batches, and the reports the batches leave behind.

The plan is written once per run (batches/plan.json) and reused when the run is resumed, so a batch means
the same documents in every attempt. A batch is done when its report (batches/<n>.json) exists; reports
are written atomically after the batch's documents are extracted and embedded, and the extraction cache
(keyed by sha256) and the per-document vector files make a batch that was interrupted cheap to redo.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from auskunft.models import CrawlManifest, CrawlRecord, ExtractionFailure
from auskunft.pipeline.runs import atomic_write_text, write_json

BATCHES_DIR = "batches"
PLAN = "plan.json"


class Batch(BaseModel):
    index: int
    urls: list[str]  # crawl records (status new/changed) of the run's manifest


class BatchPlan(BaseModel):
    source: str
    documents: int
    batches: list[Batch]


class BatchReport(BaseModel):
    """What one batch did (the extract and index notebooks show the sum over the run's batches)."""

    index: int
    worker: str = ""  # host:pid that ran it
    documents: list[str] = []  # doc_ids extracted
    extracted: int = 0
    cached: int = 0  # of those, from the extraction cache
    failures: list[ExtractionFailure] = []
    pages: int = 0
    ocr_pages: int = 0
    chunks: int = 0  # chunks whose vectors are ready for the index step
    chunks_embedded: int = 0  # of those, embedded by this attempt (the rest by an interrupted earlier one)
    embed_failures: list[str] = []  # "doc_id url: reason": the index step tries these again
    extract_seconds: float = 0.0  # summed over the worker processes
    embed_seconds: float = 0.0
    embed_cpu_seconds: float = 0.0  # CPU time of the embedding (all its threads)
    seconds: float = 0.0  # wall time of the batch


def batches_dir(run_dir: Path) -> Path:
    return Path(run_dir) / BATCHES_DIR


def report_path(run_dir: Path, index: int) -> Path:
    return batches_dir(run_dir) / f"{index:05d}.json"


def plan_batches(
    run_dir: Path,
    manifest: CrawlManifest,
    batch_docs: int,
    outdated: Callable[[CrawlRecord], bool] | None = None,
) -> BatchPlan:
    """The run's plan: the existing one (resumed run), else the new/changed records in batches, and the
    unchanged ones whose document `outdated` says an older extractor made (an upgrade re-extracts them)."""
    path = batches_dir(run_dir) / PLAN
    if path.exists():
        return BatchPlan.model_validate_json(path.read_text(encoding="utf-8"))
    todo = [
        r.url
        for r in manifest.records
        if r.sha256
        and (
            r.status in ("new", "changed")
            or (r.status == "unchanged" and outdated is not None and outdated(r))
        )
    ]
    size = max(1, batch_docs)
    plan = BatchPlan(
        source=manifest.source,
        documents=len(todo),
        batches=[Batch(index=i, urls=todo[s : s + size]) for i, s in enumerate(range(0, len(todo), size))],
    )
    atomic_write_text(path, plan.model_dump_json(indent=1))
    return plan


def load_plan(run_dir: Path) -> BatchPlan:
    return BatchPlan.model_validate_json((batches_dir(run_dir) / PLAN).read_text(encoding="utf-8"))


LINKS = "link_texts.json"


def ensure_link_texts(run_dir: Path, manifest: CrawlManifest, raw_dir: Path) -> None:
    """The texts of the links pointing at each document (title candidates), collected once per run from the
    crawled HTML pages and shared with every batch process (and every worker of the pool) through a file."""
    path = batches_dir(run_dir) / LINKS
    if path.exists():
        return
    from auskunft.crawl import RawStore
    from auskunft.extract.links import collect_link_texts

    links = collect_link_texts(manifest, RawStore(raw_dir).get)
    atomic_write_text(path, json.dumps(links, ensure_ascii=False))


def load_link_texts(run_dir: Path) -> dict[str, list[str]]:
    path = batches_dir(run_dir) / LINKS
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}  # no titles from link texts: the documents still extract


def load_report(run_dir: Path, index: int) -> BatchReport | None:
    path = report_path(run_dir, index)
    if not path.exists():
        return None
    return BatchReport.model_validate_json(path.read_text(encoding="utf-8"))


def save_report(run_dir: Path, report: BatchReport) -> None:
    write_json(report_path(run_dir, report.index), report)


def pending(run_dir: Path, plan: BatchPlan) -> list[int]:
    return [b.index for b in plan.batches if not report_path(run_dir, b.index).exists()]


class BatchTotals(BaseModel):
    """The sum of a run's batch reports, with throughput per step."""

    batches: int = 0
    batches_done: int = 0
    documents: int = 0
    extracted: int = 0
    cached: int = 0
    failed: int = 0
    pages: int = 0
    ocr_pages: int = 0
    chunks: int = 0
    chunks_embedded: int = 0
    extract_seconds: float = 0.0  # process seconds (all worker processes together)
    embed_seconds: float = 0.0
    embed_cpu_seconds: float = 0.0
    workers: list[str] = []

    @property
    def pages_per_process_s(self) -> float:
        return round(self.pages / self.extract_seconds, 2) if self.extract_seconds else 0.0

    @property
    def chunks_per_s(self) -> float:
        return round(self.chunks_embedded / self.embed_seconds, 2) if self.embed_seconds else 0.0

    @property
    def chunks_per_cpu_s(self) -> float:
        return round(self.chunks_embedded / self.embed_cpu_seconds, 2) if self.embed_cpu_seconds else 0.0


def totals(run_dir: Path, plan: BatchPlan) -> tuple[BatchTotals, list[BatchReport]]:
    reports = [r for b in plan.batches if (r := load_report(run_dir, b.index)) is not None]
    t = BatchTotals(batches=len(plan.batches), batches_done=len(reports), documents=plan.documents)
    for r in reports:
        t.extracted += r.extracted
        t.cached += r.cached
        t.failed += len(r.failures)
        t.pages += r.pages
        t.ocr_pages += r.ocr_pages
        t.chunks += r.chunks
        t.chunks_embedded += r.chunks_embedded
        t.extract_seconds = round(t.extract_seconds + r.extract_seconds, 3)
        t.embed_seconds = round(t.embed_seconds + r.embed_seconds, 3)
        t.embed_cpu_seconds = round(t.embed_cpu_seconds + r.embed_cpu_seconds, 3)
        worker = r.worker.rsplit(":", 1)[0]
        if worker not in t.workers:
            t.workers.append(worker)
    return t, reports
