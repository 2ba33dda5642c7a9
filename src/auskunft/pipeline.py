"""The ingestion steps as the notebooks and the CLI call them: crawl -> extract -> index.

Each step reads its input from, and writes its output into, one run folder, so the three steps can run
in separate processes (papermill kernels) and every run leaves inspectable files behind:

    <runs_dir>/<source>/<run_id>/crawl_manifest.json    (CrawlManifest)
                                 extract_report.json    (ExtractReport)
                                 index_report.json      (IndexReport)
                                 *.ipynb                (executed notebooks, written by the flow)
"""

from __future__ import annotations

import logging
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from auskunft.models import CrawlManifest, IndexConfig, Source

log = logging.getLogger(__name__)

MANIFEST = "crawl_manifest.json"
EXTRACT_REPORT = "extract_report.json"
INDEX_REPORT = "index_report.json"


def new_run_dir(runs_dir: Path, source: str) -> Path:
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)
    path = runs_dir / source / run_id
    path.mkdir(parents=True, exist_ok=False)
    return path


def write_json(path: Path, model: BaseModel) -> Path:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(model.model_dump_json(indent=2), encoding="utf-8")
    tmp.replace(path)
    return path


# ------------------------------------------------------------------------------------ crawl
def crawl_step(
    source: Source, *, raw_dir: Path, state_dir: Path, run_dir: Path, progress: bool = False
) -> CrawlManifest:
    from auskunft.crawl import CrawlState, RawStore, crawl_source

    manifest = crawl_source(
        source,
        raw_store=RawStore(raw_dir),
        state=CrawlState(state_dir, source.name),
        progress=progress,
        run_id=run_dir.name,
    )
    write_json(run_dir / MANIFEST, manifest)
    log.info("crawl %s: %s", source.name, manifest.counts())
    return manifest


def load_manifest(run_dir: Path) -> CrawlManifest:
    return CrawlManifest.model_validate_json((run_dir / MANIFEST).read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------------ extract
def extract_step(
    source: Source,
    *,
    run_dir: Path,
    raw_dir: Path,
    cache_dir: Path,
    documents_dir: Path,
    ocr_languages: str,
    nougat_model_path: Path | None,
    progress: bool = False,
):  # -> ExtractReport
    from auskunft.crawl import RawStore
    from auskunft.extract import DocumentStore, ExtractionCache, extract_manifest

    manifest = load_manifest(run_dir)
    report = extract_manifest(
        manifest,
        raw_get=RawStore(raw_dir).get,
        cache=ExtractionCache(cache_dir),
        store=DocumentStore(documents_dir),
        pdf_backend_for=source.pdf_extractor,
        ocr=source.ocr,
        ocr_languages=ocr_languages,
        nougat_model_path=nougat_model_path,
        progress=progress,
    )
    write_json(run_dir / EXTRACT_REPORT, report)
    return report


def load_extract_report(run_dir: Path):  # -> ExtractReport
    from auskunft.extract import ExtractReport

    return ExtractReport.model_validate_json((run_dir / EXTRACT_REPORT).read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------------ index
class IndexReport(BaseModel):
    source: str
    collection: str
    version: int
    new_version: bool  # a fresh version was built (first run or index config changed)
    promoted: bool
    gate: str | None = None  # why a new version was or was not promoted
    docs_indexed: int = 0
    docs_skipped: int = 0
    docs_deleted: int = 0
    chunks_upserted: int = 0
    chunks_deleted: int = 0
    docs_failed: int = 0  # documents that could not be chunked or embedded; the rest of the run goes on
    failures: list[str] = []  # "doc_id url: reason"
    seconds: float = 0.0


class IndexTarget(BaseModel):
    """Where and how to index: built from Settings by entry points."""

    kb: str
    qdrant_url: str
    qdrant_path: Path
    qdrant_api_key: str | None = None
    embedding_backend: str
    embedding_model: str
    embedding_base_url: str = ""
    embedding_api_key: str | None = None
    embedding_dim: int = 0
    chunk_max_tokens: int
    chunk_min_tokens: int
    chunk_overlap_tokens: int
    chunk_context: bool = True


def index_target_from_settings(settings) -> IndexTarget:  # noqa: ANN001 - Settings, avoids import cycle
    def secret(v):  # noqa: ANN001,ANN202
        return v.get_secret_value() if v is not None else None

    return IndexTarget(
        kb=settings.kb_name,
        qdrant_url=settings.qdrant_url,
        qdrant_path=settings.qdrant_path,
        qdrant_api_key=secret(settings.qdrant_api_key),
        embedding_backend=settings.embedding_backend,
        embedding_model=settings.embedding_model,
        embedding_base_url=settings.embedding_base_url or settings.openai_base_url,
        embedding_api_key=secret(settings.embedding_api_key) or secret(settings.openai_api_key),
        embedding_dim=settings.embedding_dim,
        chunk_max_tokens=settings.chunk_max_tokens,
        chunk_min_tokens=settings.chunk_min_tokens,
        chunk_overlap_tokens=settings.chunk_overlap_tokens,
        chunk_context=settings.chunk_context,
    )


# ------------------------------------------------------------------------------------ runs
def latest_run_dir(runs_dir: Path, source: str) -> Path:
    """The newest run folder of a source (run ids sort by time)."""
    base = runs_dir / source
    runs = sorted(p for p in base.iterdir() if p.is_dir()) if base.exists() else []
    if not runs:
        from auskunft.errors import AuskunftError

        raise AuskunftError(f"no runs for source {source!r} under {base}: run the crawl step first")
    return runs[-1]


class StepTimer:
    """`with StepTimer() as t: ...; t.seconds`"""

    def __enter__(self) -> StepTimer:
        self._t0 = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = round(time.perf_counter() - self._t0, 3)


def desired_index_config(target: IndexTarget, embedding_dim: int) -> IndexConfig:
    return IndexConfig(
        embedding_backend=target.embedding_backend,
        embedding_model=target.embedding_model,
        embedding_dim=embedding_dim,
        chunk_max_tokens=target.chunk_max_tokens,
        chunk_min_tokens=target.chunk_min_tokens,
        chunk_overlap_tokens=target.chunk_overlap_tokens,
        chunk_context=target.chunk_context,
    )


# ------------------------------------------------------------------------------------ notebook helpers
def settings_for(data_dir: str | Path, sources_file: str | Path):  # -> Settings
    """Settings for a notebook run: .env/environment, with the notebook's parameters on top."""
    from auskunft.config import Settings

    return Settings(data_dir=Path(data_dir), sources_file=Path(sources_file))


def get_source(settings, name: str) -> Source:  # noqa: ANN001
    from auskunft.errors import SourceError
    from auskunft.sources import load_sources

    sources = {s.name: s for s in load_sources(settings.sources_file)}
    if name not in sources:
        raise SourceError(f"unknown source {name!r} in {settings.sources_file} (known: {sorted(sources)})")
    return sources[name]


def resolve_run_dir(settings, source: str, run_dir: str | Path = "", *, create: bool = False) -> Path:  # noqa: ANN001
    if run_dir:
        path = Path(run_dir)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return new_run_dir(settings.runs_dir, source) if create else latest_run_dir(settings.runs_dir, source)


def record_outputs(run_dir: Path, step: str, *, counts: dict, seconds: float, **extra: object) -> dict:
    """The small JSON next to the executed notebook that flows and tests read."""
    import json

    data = {"step": step, "run_dir": str(run_dir), "counts": counts, "seconds": seconds, **extra}
    (run_dir / f"{step}.outputs.json").write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    return data


DEMO_SITE_DIR = Path(__file__).resolve().parents[2] / "datasets" / "demo-site"


class _NullContext:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def demo_site(enabled: bool, source: Source, root: Path = DEMO_SITE_DIR):  # noqa: ANN201
    """Serve datasets/demo-site on the loopback origin the source's host alias points at (if enabled)."""
    if not enabled:
        return _NullContext()
    from urllib.parse import urlsplit

    from auskunft.devserver import serve_directory
    from auskunft.errors import ConfigError

    targets = [urlsplit(t) for t in source.host_aliases.values()]
    local = [t for t in targets if t.hostname in ("127.0.0.1", "localhost") and t.port]
    if not local:
        raise ConfigError(f"source {source.name!r} has no loopback host alias to serve the demo site on")
    if not root.exists():
        raise ConfigError(f"demo site not found at {root}")
    return serve_directory(root, port=local[0].port or 0)


def run_direct(settings, source_name: str, *, serve_demo_site: bool = False, progress: bool = False) -> dict:  # noqa: ANN001
    """crawl -> extract -> index in this process, without Prefect or papermill (for debugging)."""
    source = get_source(settings, source_name)
    run_dir = new_run_dir(settings.runs_dir, source_name)
    timings: dict[str, float] = {}
    with StepTimer() as t, demo_site(serve_demo_site, source):
        manifest = crawl_step(
            source, raw_dir=settings.raw_dir, state_dir=settings.state_dir, run_dir=run_dir, progress=progress
        )
    timings["crawl"] = t.seconds
    with StepTimer() as t:
        report = extract_step(
            source,
            run_dir=run_dir,
            raw_dir=settings.raw_dir,
            cache_dir=settings.extract_cache_dir,
            documents_dir=settings.documents_dir,
            ocr_languages=settings.ocr_languages,
            nougat_model_path=settings.nougat_model_path,
            progress=progress,
        )
    timings["extract"] = t.seconds
    index = index_step(settings, source_name, run_dir=run_dir, progress=progress)
    timings["index"] = index.seconds
    return {
        "source": source_name,
        "run_dir": str(run_dir),
        "ok": True,
        "counts": manifest.counts(),
        "extract": extract_counts(report),
        "index": index_counts(index),
        "timings": timings,
    }


# ------------------------------------------------------------------------------------ index step
def open_index(target: IndexTarget, *, read_only: bool = False):  # noqa: ANN201 - (store, embedder, sparse)
    from auskunft.index import Bm25Encoder, build_embedder, open_store

    client = open_store(target.qdrant_url, target.qdrant_path, target.qdrant_api_key, read_only=read_only)
    embedder = build_embedder(
        target.embedding_backend,
        target.embedding_model,
        base_url=target.embedding_base_url,
        api_key=target.embedding_api_key,
        dim=target.embedding_dim,
    )
    return client, embedder, Bm25Encoder()


def index_step(settings, source: str, *, run_dir: Path, progress: bool = False) -> IndexReport:  # noqa: ANN001
    """Bring the live index in line with the document store for `source`.

    Same index configuration: incremental sync into the live version (unchanged documents skipped).
    First run, or a changed configuration (chunking, embedding model): a new version is built from every
    stored document and promoted (through the evaluation gate when EVAL_GATE_DATASET is set).
    """
    from auskunft.extract import DocumentStore
    from auskunft.index import CountingEmbedder, Indexer, IndexManager

    target = index_target_from_settings(settings)
    t0 = time.perf_counter()
    client, embedder, sparse = open_index(target)
    try:
        embedder = CountingEmbedder(embedder)
        embedder.start()
        manager = IndexManager(client, target.kb)
        wanted = desired_index_config(target, embedder.dim)
        live = manager.live()
        store = DocumentStore(settings.documents_dir)
        indexer = Indexer(
            client,
            embedder,
            sparse,
            max_tokens=target.chunk_max_tokens,
            min_tokens=target.chunk_min_tokens,
            overlap_tokens=target.chunk_overlap_tokens,
            context=target.chunk_context,
        )
        new_version = live is None or live.config != wanted
        if live is None or new_version:  # first run or a changed configuration: every stored document
            target_version = manager.create_version(wanted)
            stats = indexer.sync(target_version.collection, store.iter_all(), progress=progress)
        else:
            target_version = live
            stats = indexer.sync(live.collection, store.iter_source(source), source=source, progress=progress)
        report = IndexReport(
            source=source,
            collection=target_version.collection,
            version=target_version.version,
            new_version=new_version,
            promoted=False,
            **stats.model_dump(exclude={"embed_seconds", "seconds"}),
        )
        if new_version:
            report.promoted, report.gate = _promote_new_version(
                settings, manager, target_version.version, live
            )
    finally:
        client.close()
    report.seconds = round(time.perf_counter() - t0, 3)
    write_json(run_dir / INDEX_REPORT, report)
    return report


def _promote_new_version(settings, manager, version: int, live) -> tuple[bool, str]:  # noqa: ANN001
    if live is None:
        manager.promote(version)
        return True, "first version: promoted"
    if not settings.eval_gate_dataset:
        manager.promote(version)
        return True, "no EVAL_GATE_DATASET configured: promoted without gate"
    from auskunft.evaluation.gate import evaluate_and_promote

    decision = evaluate_and_promote(settings, manager, candidate=version, baseline=live.version)
    return decision.passed, "; ".join(decision.reasons) or "gate passed"


# ------------------------------------------------------------------------------------ notebook views
def extract_counts(report) -> dict[str, int]:  # noqa: ANN001 - ExtractReport
    return {
        "extracted": report.extracted,
        "cached": report.cached,
        "unchanged": report.unchanged,
        "removed": len(report.removed),
        "failed": len(report.failures),
    }


def index_counts(report: IndexReport) -> dict[str, int]:
    return {
        k: getattr(report, k)
        for k in (
            "docs_indexed",
            "docs_skipped",
            "docs_deleted",
            "chunks_upserted",
            "chunks_deleted",
            "docs_failed",
            "version",
        )
    }


class SidePair(BaseModel):
    url: str
    source_text: str
    extracted: str


def side_by_side(settings, run_dir: Path, *, limit: int = 3, chars: int = 1500) -> list[SidePair]:  # noqa: ANN001
    """Raw visible text vs extracted markdown for the first `limit` documents extracted in this run."""
    import pymupdf
    from bs4 import BeautifulSoup

    from auskunft.crawl import RawStore
    from auskunft.extract import DocumentStore
    from auskunft.models import doc_id_for

    manifest = load_manifest(run_dir)
    raw, docs = RawStore(settings.raw_dir), DocumentStore(settings.documents_dir)
    pairs = []
    for rec in manifest.records:
        if rec.status not in ("new", "changed") or not rec.sha256:
            continue
        doc = docs.load(rec.source, doc_id_for(rec.url))
        if doc is None:
            continue
        body = raw.get(rec.sha256)
        if doc.kind == "pdf":
            with pymupdf.open(stream=body, filetype="pdf") as pdf:
                text = pdf[0].get_text() or "(no text layer: OCR'd)"
        else:
            text = " ".join(BeautifulSoup(body, "lxml").get_text(" ").split())
        pairs.append(SidePair(url=rec.url, source_text=text[:chars], extracted=doc.markdown[:chars]))
        if len(pairs) >= limit:
            break
    return pairs


def documents_table(settings, source: str) -> list[dict]:  # noqa: ANN001
    from auskunft.extract import DocumentStore

    return [
        {
            "url": d.url,
            "title": d.title,
            "kind": d.kind,
            "language": d.language,
            "pages": len(d.pages),
            "ocr_pages": sum(p.ocr for p in d.pages),
            "chars": len(d.markdown),
            "extractor": d.extractor,
        }
        for d in DocumentStore(settings.documents_dir).iter_source(source)
    ]


def list_versions(target: IndexTarget) -> list[dict]:
    from auskunft.index import IndexManager, open_store

    client = open_store(target.qdrant_url, target.qdrant_path, target.qdrant_api_key, read_only=True)
    try:
        return [
            {
                "version": v.version,
                "collection": v.collection,
                "live": v.live,
                "points": v.points,
                "created_at": v.created_at,
                "embedding": v.config.embedding_model,
                "chunk_max_tokens": v.config.chunk_max_tokens,
            }
            for v in IndexManager(client, target.kb).list_versions()
        ]
    finally:
        client.close()


def sample_search(target: IndexTarget, query: str, *, top_k: int = 5, mode: str = "hybrid") -> list[dict]:
    from auskunft.retrieval import HybridSearcher

    client, embedder, sparse = open_index(target, read_only=True)
    try:
        hits = HybridSearcher(client, target.kb, embedder, sparse).search(query, top_k=top_k, mode=mode)  # type: ignore[arg-type]
        return [
            {
                "rank": h.rank,
                "score": round(h.score, 4),
                "url": h.chunk.url,
                "page": h.chunk.page,
                "heading": " › ".join(h.chunk.heading_path),
                "text": h.chunk.text,
            }
            for h in hits
        ]
    finally:
        client.close()
