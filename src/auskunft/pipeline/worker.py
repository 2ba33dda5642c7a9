"""Runs batches on one host: extraction (and OCR) over a process pool, embedding batched in this process.

Each worker process extracts one document at a time, in a forked child under the job's per-document memory
and time limits (extract/limits.py: a document past them fails with the reason, the worker goes on), with
OMP_THREAD_LIMIT=1 (tesseract's threads only spin-wait; one thread per process gives identical text at a
fraction of the CPU), saves it to the document
store and the extraction cache, and hands it back; this process chunks and embeds the finished documents in
groups (the embedder batches across documents and uses its own threads) while the pool extracts the next
ones, writes one vector file per document and, when all documents of a batch are through, the batch report.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import socket
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from auskunft.extract.limits import DocLimits
from auskunft.models import CrawlRecord, Document, ExtractionFailure
from auskunft.pipeline.batches import BatchPlan, BatchReport, load_report, save_report
from auskunft.pipeline.index import IndexTarget, build_target_embedder, desired_index_config
from auskunft.pipeline.progress import ProgressLog

log = logging.getLogger(__name__)

EMBED_GROUP_CHUNKS = 64


class BatchJob(BaseModel):
    """Everything a batch needs (explicit paths and options, built from Settings by entry points)."""

    run_dir: Path
    source: str
    raw_dir: Path
    cache_dir: Path
    documents_dir: Path
    pdf_backend: str = "pymupdf"
    ocr: bool = True
    ocr_languages: str = "deu+eng"
    nougat_model_path: Path | None = None
    target: IndexTarget | None = None  # None: extract only, the index step embeds
    limits: DocLimits = DocLimits()  # memory and wall time of each document's extraction (extract/limits.py)


def batch_job(settings, source, run_dir: Path, *, embed: bool = True) -> BatchJob:  # noqa: ANN001
    from auskunft.pipeline.index import index_target_from_settings

    return BatchJob(
        run_dir=Path(run_dir),
        source=source.name,
        raw_dir=settings.raw_dir,
        cache_dir=settings.extract_cache_dir,
        documents_dir=settings.documents_dir,
        pdf_backend=source.pdf_extractor,
        ocr=source.ocr,
        ocr_languages=settings.ocr_languages,
        nougat_model_path=settings.nougat_model_path,
        target=index_target_from_settings(settings) if embed else None,
        limits=DocLimits(memory_mb=settings.extract_memory_mb, time_s=settings.extract_time_s),
    )


def default_processes(requested: int = 0, cgroup_cpu_max: Path = Path("/sys/fs/cgroup/cpu.max")) -> int:
    """`requested`, else one per core this process may use: its CPU affinity, capped by a container's
    CPU quota (cgroup v2 `cpu.max`, e.g. compose's `cpus: "2"` on a bigger host)."""
    if requested > 0:
        return requested
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    try:
        quota, period = cgroup_cpu_max.read_text(encoding="utf-8").split()[:2]
        if quota != "max":
            cores = min(cores, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        pass
    return max(1, cores)


# --------------------------------------------------------------------------- in the worker processes
class DocOutcome(BaseModel):
    url: str
    doc: Document | None = None
    cached: bool = False
    failure: ExtractionFailure | None = None
    seconds: float = 0.0


_CHILD: dict[str, Any] = {}


def _init_child(job: BatchJob) -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"  # tesseract: one thread per process (see module docstring)
    from auskunft.crawl import RawStore
    from auskunft.extract import DocumentStore, ExtractionCache
    from auskunft.pipeline.batches import load_link_texts

    _CHILD.update(
        job=job,
        raw=RawStore(job.raw_dir),
        cache=ExtractionCache(job.cache_dir),
        store=DocumentStore(job.documents_dir),
        nougat=None,
        links=load_link_texts(job.run_dir),
    )


def _extract_one(record: CrawlRecord) -> DocOutcome:
    from auskunft.errors import AuskunftError
    from auskunft.extract.extractor import extract_record, failed_record

    job: BatchJob = _CHILD["job"]
    t0 = time.process_time()
    outcome = None
    if job.pdf_backend == "nougat" and _CHILD["nougat"] is None:
        from auskunft.extract.nougat_backend import NougatBackend

        try:
            _CHILD["nougat"] = NougatBackend(job.nougat_model_path)
        except AuskunftError as exc:
            outcome = failed_record(record, exc.message, _CHILD["store"])
    outcome = outcome or extract_record(
        record,
        raw_get=_CHILD["raw"].get,
        cache=_CHILD["cache"],
        store=_CHILD["store"],
        pdf_backend=job.pdf_backend,
        ocr=job.ocr,
        ocr_languages=job.ocr_languages,
        nougat_model_path=job.nougat_model_path,
        nougat=_CHILD["nougat"],
        link_texts=_CHILD["links"].get(record.url),
        limits=job.limits,
    )
    # process time of this process plus the tesseract/subprocess time it waited for
    children = os.times()
    seconds = time.process_time() - t0
    _CHILD["child_cpu"], before = (
        children.children_user + children.children_system,
        _CHILD.get("child_cpu", 0.0),
    )
    seconds += max(0.0, _CHILD["child_cpu"] - before)
    return DocOutcome(
        url=record.url, doc=outcome.doc, cached=outcome.cached, failure=outcome.failure, seconds=seconds
    )


# --------------------------------------------------------------------------- in the host's main process
class _Embedding:
    """Chunks and embeds finished documents in groups; one vector file per document."""

    def __init__(self, job: BatchJob) -> None:
        from auskunft.index import chunk_document, embedding_text
        from auskunft.pipeline.embed_cache import EmbeddingFiles

        assert job.target is not None
        self._chunk, self._text = chunk_document, embedding_text
        self.embedder = build_target_embedder(job.target)
        self.embedder.start()
        self.config = desired_index_config(job.target, self.embedder.dim)
        self.files = EmbeddingFiles(job.run_dir, self.config)
        self.pending: list[tuple[Document, list[str]]] = []

    def add(self, doc: Document, report: BatchReport) -> int:
        """Queue a document; returns the chunks embedded now (a full group is embedded at once)."""
        if self.files.has(doc):  # an interrupted earlier attempt embedded it already
            report.chunks += len(self.files_keys(doc))
            return 0
        try:
            chunks = self._chunk(
                doc,
                max_tokens=self.config.chunk_max_tokens,
                min_tokens=self.config.chunk_min_tokens,
                overlap_tokens=self.config.chunk_overlap_tokens,
            )
        except Exception as exc:  # the index step counts it as failed, like the indexer always did
            report.embed_failures.append(f"{doc.doc_id} {doc.url}: chunking: {exc}"[:500])
            return 0
        self.pending.append((doc, [self._text(c, self.config.chunk_context) for c in chunks]))
        if sum(len(t) for _, t in self.pending) >= EMBED_GROUP_CHUNKS:
            return self.flush(report)
        return 0

    def files_keys(self, doc: Document) -> list[str]:
        import numpy as np

        with np.load(self.files.path(doc)) as data:
            return [str(k) for k in data["keys"]]

    def flush(self, report: BatchReport) -> int:
        group, self.pending = self.pending, []
        if not group:
            return 0
        t0, c0 = time.perf_counter(), time.process_time()
        done = self._embed(group, report)
        report.embed_seconds = round(report.embed_seconds + time.perf_counter() - t0, 3)
        report.embed_cpu_seconds = round(report.embed_cpu_seconds + time.process_time() - c0, 3)
        return done

    def _embed(self, group: list[tuple[Document, list[str]]], report: BatchReport) -> int:
        texts = [t for _, ts in group for t in ts]
        try:
            vectors = self.embedder.embed_passages(texts) if texts else []
        except Exception as exc:
            if len(group) > 1:  # isolate the document that fails
                return sum(self._embed([one], report) for one in group)
            doc = group[0][0]
            log.warning("embedding %s failed: %s", doc.url, exc)
            report.embed_failures.append(f"{doc.doc_id} {doc.url}: {type(exc).__name__}: {exc}"[:500])
            return 0
        i = 0
        for doc, ts in group:
            self.files.save(doc, ts, vectors[i : i + len(ts)])
            i += len(ts)
        report.chunks += len(texts)
        report.chunks_embedded += len(texts)
        return len(texts)


def run_batches(
    job: BatchJob, plan: BatchPlan, indices: list[int], *, processes: int = 0, records: dict[str, CrawlRecord]
) -> list[BatchReport]:
    """Run the given batches of the plan (those without a report) on this host; returns their reports.

    A worker process that dies (OOM, kill -9) breaks the pool: the batches without a report are tried
    once more with a fresh pool, then the error propagates (the next run resumes them).
    """
    try:
        return _run(job, plan, indices, processes=processes, records=records)
    except BrokenProcessPool:
        log.warning("a worker process died; retrying the unfinished batches with a fresh pool")
        return _run(job, plan, indices, processes=processes, records=records)


LOOKAHEAD_BATCHES = 2  # batches queued in the pool beyond the one being collected (bounds memory)


def _run(
    job: BatchJob, plan: BatchPlan, indices: list[int], *, processes: int, records: dict[str, CrawlRecord]
) -> list[BatchReport]:
    wanted = [
        b for b in plan.batches if b.index in set(indices) and load_report(job.run_dir, b.index) is None
    ]
    if not wanted:
        return []
    events = ProgressLog(job.run_dir)
    worker = f"{socket.gethostname()}:{os.getpid()}"
    embedding = _Embedding(job) if job.target is not None else None
    n = default_processes(processes)
    out = []
    ctx = multiprocessing.get_context("spawn")  # no fork of a process that runs threads
    with ProcessPoolExecutor(max_workers=n, mp_context=ctx, initializer=_init_child, initargs=(job,)) as pool:
        futures: dict[int, list[Future[DocOutcome]]] = {}
        for i, batch in enumerate(wanted):
            for ahead in wanted[i : i + 1 + LOOKAHEAD_BATCHES]:
                if ahead.index not in futures:
                    futures[ahead.index] = [
                        pool.submit(_extract_one, records[u]) for u in ahead.urls if u in records
                    ]
            report = _collect(batch.index, futures.pop(batch.index), embedding, events, worker)
            save_report(job.run_dir, report)
            events.emit("batch", index=batch.index, worker=worker)
            out.append(report)
    return out


def _collect(
    index: int,
    futures: list[Future[DocOutcome]],
    embedding: _Embedding | None,
    events: ProgressLog,
    worker: str,
) -> BatchReport:
    """Wait for a batch's documents, embed them as they come, and return the batch's report."""
    t0 = time.perf_counter()
    report = BatchReport(index=index, worker=worker)
    for fut in futures:
        res = fut.result()  # BrokenProcessPool when a worker process died
        report.extract_seconds = round(report.extract_seconds + res.seconds, 3)
        pages = ocr_pages = 0
        if res.doc is not None:
            report.documents.append(res.doc.doc_id)
            report.extracted += 1
            report.cached += res.cached
            pages = len(res.doc.pages) if res.doc.kind == "pdf" else 1
            ocr_pages = sum(p.ocr for p in res.doc.pages)
            report.pages += pages
            report.ocr_pages += ocr_pages
        elif res.failure is not None:
            report.failures.append(res.failure)
        events.emit("docs", n=1, pages=pages, ocr_pages=ocr_pages, failed=int(res.doc is None))
        if embedding is not None and res.doc is not None and (done := embedding.add(res.doc, report)):
            events.emit("chunks", n=done)
    if embedding is not None and (done := embedding.flush(report)):
        events.emit("chunks", n=done)
    report.seconds = round(time.perf_counter() - t0, 3)
    return report
