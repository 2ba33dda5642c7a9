"""A large index from real text, for the serving benches: the public benchmark corpora (SciFact, XQuAD-de in
../shared/benchmarks) as documents of one source each, chunked by the sites' chunker, embedded by the default
engine and written through the real Indexer into a DATA_DIR with a live index (`auskunft serve` serves it).

    .venv/bin/python bench/big_index.py DATA_DIR [--max-tokens 36 --overlap 9] [--cache /tmp/serve/emb]

The two corpora hold 5,423 documents and 1.35 M tokens; with the sites' chunk size (350 tokens) that is
6.3k chunks, so a 50k-chunk index needs sentence-sized chunks (--max-tokens 36: ~50k chunks of ~26 tokens
plus the title as context). The dense search costs the same per point whatever the chunk length; BM25 posting
lists are shorter than on a site with 350-token chunks (fewer tokens in all), so the sparse half of a hybrid
search is cheaper here than on a real 50k-chunk site.

Passage vectors are cached per text under --cache (one .npz per 2,048 new vectors), so a second build (or
one interrupted half-way) embeds only what is missing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from auskunft.config import Settings  # noqa: E402
from auskunft.evaluation.datasets import BENCHMARKS_DIR  # noqa: E402
from auskunft.index.embeddings import Embedder, WrappedEmbedder  # noqa: E402
from auskunft.index.indexer import Indexer  # noqa: E402
from auskunft.index.versions import IndexManager  # noqa: E402
from auskunft.logging_setup import configure_logging  # noqa: E402
from auskunft.models import Document, PageText  # noqa: E402
from auskunft.pipeline.index import (  # noqa: E402
    desired_index_config,
    index_target_from_settings,
    open_index,
)

log = logging.getLogger("bench.big_index")
CORPORA = ("scifact", "xquad-de")


class ShardedCache(WrappedEmbedder):
    """Passage vectors by sha256(model|text), appended in shards (never one file rewritten per batch)."""

    def __init__(self, inner: Embedder, folder: Path, shard: int = 2048) -> None:
        super().__init__(inner)
        self.folder, self.shard = folder, shard
        folder.mkdir(parents=True, exist_ok=True)
        self.vectors: dict[str, np.ndarray] = {}
        for f in sorted(folder.glob("shard-*.npz")):
            data = np.load(f)
            self.vectors.update(zip(data["keys"].tolist(), data["vectors"], strict=True))
        self._new: dict[str, np.ndarray] = {}
        self.embedded = 0

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.inner.model}|{text}".encode()).hexdigest()[:32]

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        keys = [self._key(t) for t in texts]
        missing = [(k, t) for k, t in zip(keys, texts, strict=True) if k not in self.vectors]
        if missing:
            vecs = self.inner.embed_passages([t for _, t in missing])
            for (k, _), v in zip(missing, vecs, strict=True):
                self.vectors[k] = self._new[k] = np.asarray(v, dtype=np.float32)
            self.embedded += len(missing)
            if len(self._new) >= self.shard:
                self.save()
        return [self.vectors[k].tolist() for k in keys]

    def save(self) -> None:
        if not self._new:
            return
        n = len(list(self.folder.glob("shard-*.npz")))
        tmp = self.folder / f".shard-{n:05d}.tmp.npz"
        np.savez(tmp, keys=np.array(list(self._new)), vectors=np.stack(list(self._new.values())))
        tmp.replace(self.folder / f"shard-{n:05d}.npz")
        log.info("embedding cache: %d vectors (%d embedded now)", len(self.vectors), self.embedded)
        self._new = {}


def corpus_documents(root: Path = BENCHMARKS_DIR) -> list[Document]:
    now = datetime.now(UTC)
    docs = []
    for name in CORPORA:
        with open(root / name / "corpus.jsonl", encoding="utf-8") as fh:
            for line in fh:
                d = json.loads(line)
                text = d.get("text") or ""
                docs.append(
                    Document(
                        doc_id=f"{name}-{d['_id']}",
                        url=f"https://{name}.example.org/doc/{d['_id']}",
                        source=name,
                        title=d.get("title") or "",
                        kind="html",
                        sha256=hashlib.sha256(text.encode()).hexdigest(),
                        crawled_at=now,
                        extractor="beir",
                        pages=[PageText(markdown=text)],
                    )
                )
    return docs


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("data_dir", type=Path)
    p.add_argument("--max-tokens", type=int, default=36)
    p.add_argument("--min-tokens", type=int, default=8)
    p.add_argument("--overlap", type=int, default=9)
    p.add_argument("--cache", type=Path, default=Path("/tmp/serve/emb"))
    p.add_argument("--workers", type=int, default=1, help="embedding threads")
    p.add_argument("--limit-docs", type=int, default=0, help="first N documents only (a quick try)")
    args = p.parse_args()
    configure_logging("INFO")
    settings = Settings(
        data_dir=args.data_dir,
        chunk_max_tokens=args.max_tokens,
        chunk_min_tokens=args.min_tokens,
        chunk_overlap_tokens=args.overlap,
    )
    target = index_target_from_settings(settings)
    store, inner, sparse = open_index(target)
    from auskunft.index import build_embedder

    inner = build_embedder(target.embedding_backend, target.embedding_model, workers=args.workers)
    embedder = ShardedCache(inner, args.cache / target.embedding_model)
    embedder.start()
    docs = corpus_documents()
    if args.limit_docs:
        docs = docs[: args.limit_docs]
    t0 = time.perf_counter()
    try:
        manager = IndexManager(store, target.kb)
        config = desired_index_config(target, embedder.dim)
        indexer = Indexer.for_config(store, embedder, sparse, config, batch_size=256)
        version, stats = indexer.rebuild(manager, config, docs, progress=False)
        embedder.save()
        manager.promote(version.version)
    finally:
        embedder.save()
        store.close()
    print(
        f"{len(docs)} documents -> {stats.chunks_upserted} chunks in {args.data_dir} "
        f"({embedder.embedded} embedded now, {time.perf_counter() - t0:.0f} s)"
    )


if __name__ == "__main__":
    main()
