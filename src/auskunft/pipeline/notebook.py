"""Helpers the notebooks call: settings and source for a run, recorded outputs, tables and samples."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from auskunft.config import Settings
from auskunft.models import Source
from auskunft.pipeline.crawl import load_manifest
from auskunft.pipeline.index import IndexTarget, open_index


def settings_for(data_dir: str | Path, sources_file: str | Path) -> Settings:
    """Settings for a notebook run: .env/environment, with the notebook's parameters on top."""
    return Settings(data_dir=Path(data_dir), sources_file=Path(sources_file))


def get_source(settings: Settings, name: str) -> Source:
    from auskunft.errors import SourceError
    from auskunft.sources import load_sources

    sources = {s.name: s for s in load_sources(settings.sources_file)}
    if name not in sources:
        raise SourceError(f"unknown source {name!r} in {settings.sources_file} (known: {sorted(sources)})")
    return sources[name]


DEMO_SITE_DIR = Path(__file__).resolve().parents[3] / "datasets" / "demo-site"


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


class SidePair(BaseModel):
    url: str
    source_text: str
    extracted: str


def side_by_side(settings: Settings, run_dir: Path, *, limit: int = 3, chars: int = 1500) -> list[SidePair]:
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


def documents_table(settings: Settings, source: str) -> list[dict]:
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


def sample_search(
    target: IndexTarget, query: str, *, top_k: int = 5, mode: str = "hybrid", collection: str | None = None
) -> list[dict]:
    """The top hits for `query` in the live version, or in `collection` (e.g. a version not promoted yet)."""
    from auskunft.retrieval import HybridSearcher

    client, embedder, sparse = open_index(target, read_only=True)
    try:
        searcher = HybridSearcher(client, target.kb, embedder, sparse)
        hits = searcher.search(query, top_k=top_k, mode=mode, collection=collection)  # type: ignore[arg-type]
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
