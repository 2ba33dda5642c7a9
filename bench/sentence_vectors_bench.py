"""What precomputing the extractive answer's sentence vectors costs at index time, on an existing DATA_DIR:
in one process and with one embedder (the live version's), first the live version's chunks embedded again as
the index step embeds them (title + headings + text), then every candidate sentence of those chunks
(`precompute_sentences`, written to DATA_DIR/sentences/<collection> as a run's promotion step does).
Prints both times, the counts and the store's size per 1k chunks.

    .venv/bin/python bench/sentence_vectors_bench.py DATA_DIR [--skip-chunks] [--json]

The DATA_DIR's store is written (use a copy of an index you care about).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from auskunft.chat.extractive.semantic import precompute_sentences  # noqa: E402
from auskunft.config import Settings  # noqa: E402
from auskunft.index import IndexManager, build_embedder, embedding_text, open_store  # noqa: E402
from auskunft.index.sentence_store import store_bytes  # noqa: E402
from auskunft.models import Chunk  # noqa: E402
from auskunft.retrieval.search import chunk_from_payload  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("--skip-chunks", action="store_true", help="only the sentences")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    settings = Settings(data_dir=args.data_dir)
    client = open_store("", settings.qdrant_path, None, read_only=True)
    try:
        live = IndexManager(client, settings.kb_name).live()
        if live is None:
            raise SystemExit(f"no live index in {args.data_dir}")
        embedder = build_embedder(live.config.embedding_backend, live.config.embedding_model)
        embedder.start()
        out: dict[str, object] = {"collection": live.collection, "embedder": embedder.name}
        if not args.skip_chunks:
            fields = [f for f in Chunk.model_fields if f != "chunk_id"]
            chunks = [chunk_from_payload(pid, p) for pid, p in client.scroll(live.collection, None, fields)]
            texts = [embedding_text(c, live.config.chunk_context) for c in chunks]
            t0 = time.perf_counter()
            for i in range(0, len(texts), 256):
                embedder.embed_passages(texts[i : i + 256])
            out["chunk_embed_s"] = round(time.perf_counter() - t0, 1)
        root = settings.sentence_vectors_dir
        report = precompute_sentences(client, live.collection, embedder, root / live.collection)
    finally:
        client.close()
    size = store_bytes(root, live.collection)
    out |= {
        "chunks": report.chunks,
        "sentences": report.sentences,
        "sentence_embed_s": report.embed_seconds,
        "sentence_step_s": report.seconds,
        "store_bytes": size,
        "store_mb_per_1k_chunks": round(size / 1e6 / max(1, report.chunks) * 1000, 2),
    }
    if args.json:
        print(json.dumps(out))
        return
    for k, v in out.items():
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
