"""Index step: bring the vector store in line with the document store, in one process.

The batches have already embedded the run's new and changed documents (pipeline.batches); this step
reads those vectors (CachedEmbedder), embeds only what is missing, writes and deletes. A new version is
left unpromoted: the run's next step (auskunft.promotion) switches the alias to it, after every batch is
done (and the gate passed), so visitors never see a half-built version; an incremental run upserts and
deletes in the live version as before. Upserts are idempotent (deterministic point ids), so a killed index
step is simply run again.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import BaseModel, SecretStr

from auskunft.config import Settings
from auskunft.models import Document, IndexConfig
from auskunft.pipeline.progress import ProgressLog
from auskunft.pipeline.runs import INDEX_REPORT, atomic_write_text, write_json

BUILDING = "index_building.json"  # the new version this run is building (reused when the run is resumed)


class IndexReport(BaseModel):
    source: str
    collection: str
    version: int
    new_version: bool  # a fresh version was built (first run or index config changed), left for promotion
    docs_indexed: int = 0
    docs_skipped: int = 0
    docs_deleted: int = 0
    chunks_upserted: int = 0
    chunks_deleted: int = 0
    docs_failed: int = 0  # documents that could not be chunked or embedded; the rest of the run goes on
    failures: list[str] = []  # "doc_id url: reason"
    chunks_from_batches: int = 0  # vectors the batches had embedded already
    chunks_embedded_here: int = 0  # vectors this step had to embed itself
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
    sparse_analyzer: str = "plain"  # auskunft.index.sparse analyzer (part of the index config)


def index_target_from_settings(settings: Settings) -> IndexTarget:
    def secret(v: SecretStr | None) -> str | None:
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
        sparse_analyzer=settings.sparse_analyzer,
    )


def desired_index_config(target: IndexTarget, embedding_dim: int) -> IndexConfig:
    from auskunft.index.chunking import CHUNK_SCHEMA
    from auskunft.index.sparse import Bm25Encoder

    return IndexConfig(
        embedding_backend=target.embedding_backend,
        embedding_model=target.embedding_model,
        embedding_dim=embedding_dim,
        chunk_max_tokens=target.chunk_max_tokens,
        chunk_min_tokens=target.chunk_min_tokens,
        chunk_overlap_tokens=target.chunk_overlap_tokens,
        chunk_context=target.chunk_context,
        chunk_schema=CHUNK_SCHEMA,
        sparse_model=Bm25Encoder(analyzer=target.sparse_analyzer).name,
    )


def build_target_embedder(target: IndexTarget):  # noqa: ANN201 - Embedder
    from auskunft.index import build_embedder

    return build_embedder(
        target.embedding_backend,
        target.embedding_model,
        base_url=target.embedding_base_url,
        api_key=target.embedding_api_key,
        dim=target.embedding_dim,
    )


def open_index(target: IndexTarget, *, read_only: bool = False):  # noqa: ANN201 - (store, embedder, sparse)
    from auskunft.index import Bm25Encoder, open_store

    client = open_store(target.qdrant_url, target.qdrant_path, target.qdrant_api_key, read_only=read_only)
    return client, build_target_embedder(target), Bm25Encoder(analyzer=target.sparse_analyzer)


def _reporting(docs: Iterable[Document], events: ProgressLog, every: int = 20) -> Iterator[Document]:
    """Pass documents through, telling the progress file how many the indexer has taken."""
    n = 0
    for doc in docs:
        yield doc
        n += 1
        if n % every == 0:
            events.emit("indexed", n=every)
    if n % every:
        events.emit("indexed", n=n % every)


def index_step(settings: Settings, source: str, *, run_dir: Path, progress: bool = False) -> IndexReport:
    """Bring the index in line with the document store for `source`.

    Same index configuration: incremental sync into the live version (unchanged documents skipped).
    First run, or a changed configuration (chunking, embedding model): a new version is built from every
    stored document and left for the promotion step (auskunft.promotion) to switch to.
    """
    from auskunft.extract import DocumentStore
    from auskunft.index import CountingEmbedder, Indexer, IndexManager
    from auskunft.pipeline.embed_cache import CachedEmbedder, EmbeddingFiles

    target = index_target_from_settings(settings)
    events = ProgressLog(run_dir)
    t0 = time.perf_counter()
    client, embedder, sparse = open_index(target)
    try:
        embedder = CountingEmbedder(embedder)
        embedder.start()
        manager = IndexManager(client, target.kb)
        wanted = desired_index_config(target, embedder.dim)
        cached = CachedEmbedder(embedder, EmbeddingFiles(run_dir, wanted).load_all())
        live = manager.live()
        store = DocumentStore(settings.documents_dir)
        indexer = Indexer.for_config(client, cached, sparse, wanted)
        new_version = live is None or live.config != wanted
        if live is None or new_version:  # first run or a changed configuration: every stored document
            target_version = _building_version(run_dir, manager, wanted) or manager.create_version(wanted)
            atomic_write_text(run_dir / BUILDING, target_version.model_dump_json())
            events.emit("start", step="index", docs=_count_docs(settings.documents_dir))
            stats = indexer.sync(
                target_version.collection, _reporting(store.iter_all(), events), progress=progress
            )
        else:
            target_version = live
            events.emit("start", step="index", docs=_count_docs(settings.documents_dir, source))
            stats = indexer.sync(
                live.collection,
                _reporting(store.iter_source(source), events),
                source=source,
                progress=progress,
            )
        report = IndexReport(
            source=source,
            collection=target_version.collection,
            version=target_version.version,
            new_version=new_version,
            chunks_from_batches=cached.hits,
            chunks_embedded_here=cached.misses,
            **stats.model_dump(exclude={"embed_seconds", "seconds"}),
        )
    finally:
        client.close()
    report.seconds = round(time.perf_counter() - t0, 3)
    write_json(run_dir / INDEX_REPORT, report)
    events.emit("done", step="index")
    return report


def _building_version(run_dir: Path, manager, wanted: IndexConfig):  # noqa: ANN001,ANN202
    """The unpromoted version an earlier attempt of this run started building, if it is still there:
    the one recorded in the run folder, or one created since the run started (killed before recording)."""
    from datetime import UTC, datetime

    from auskunft.models import IndexVersion

    path = run_dir / BUILDING
    recorded = IndexVersion.model_validate_json(path.read_text(encoding="utf-8")) if path.exists() else None
    try:
        started = datetime.strptime(run_dir.name.split("-", 1)[0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        started = None
    candidates = [v for v in manager.list_versions() if not v.live and v.config == wanted]
    for v in reversed(candidates):
        if recorded is not None and v.version == recorded.version:
            return v
        if recorded is None and started is not None and v.created_at >= started:
            return v
    return None


def _count_docs(documents_dir: Path, source: str | None = None) -> int:
    folders = [documents_dir / source] if source else [p for p in documents_dir.glob("*") if p.is_dir()]
    return sum(1 for f in folders for _ in f.glob("*.json"))


def load_index_report(run_dir: Path) -> IndexReport:
    return IndexReport.model_validate_json((run_dir / INDEX_REPORT).read_text(encoding="utf-8"))


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
