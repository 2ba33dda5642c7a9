"""BM25 with the plain and the German analyzer on the public BEIR-layout sets (../shared/benchmarks), in one
run: document-level nDCG@10 scored exactly like Qdrant's IDF modifier (`sparse_encoder_scores`), the time to
encode the corpus, and the share of document terms the German analyzer adds (compound parts).

    .venv/bin/python bench/sparse_analyzer_bench.py [xquad-de] [scifact] [--max-queries N] [--out FILE]

`--hybrid` also runs the whole retrieval path (`run_beir`: Indexer + HybridSearcher in qdrant-edge, sparse,
dense, hybrid with and without the ranking rules) once per analyzer; passage embeddings are cached under
--work-dir, so the second analyzer costs indexing and search only.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from auskunft._telemetry import disable_telemetry
from auskunft.evaluation.beir import sparse_encoder_scores
from auskunft.evaluation.datasets import load_beir
from auskunft.index.sparse import ANALYZERS, Bm25Encoder

disable_telemetry()
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see bench/beir_bench.py


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sets", nargs="*", default=["xquad-de", "scifact"])
    ap.add_argument("--max-queries", type=int, default=None)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--hybrid", action="store_true", help="also the full retrieval path (embeds the corpus)")
    ap.add_argument("--work-dir", type=Path, default=Path("data/bench"))
    args = ap.parse_args()
    report: dict[str, dict] = {}
    for name in args.sets:
        bench = load_beir(name)
        docs = [f"{d['title']}\n{d['text']}" for d in bench.corpus.values()]
        for analyzer in ANALYZERS:
            enc = Bm25Encoder(analyzer=analyzer)
            enc.start()
            t0 = time.perf_counter()
            terms = sum(len(enc.tokens(d)) for d in docs)
            encode_s = time.perf_counter() - t0  # first pass: cold caches (lemmas, compound splits)
            t0 = time.perf_counter()
            scores = sparse_encoder_scores(bench, enc, max_queries=args.max_queries)
            report.setdefault(name, {})[analyzer] = {
                "name": enc.name,
                "ndcg@10": scores["ndcg@10"],
                "queries": scores["queries"],
                "docs": len(docs),
                "doc_terms": terms,
                "encode_corpus_cold_s": round(encode_s, 1),
                "score_s": round(time.perf_counter() - t0, 1),
            }
            print(name, analyzer, json.dumps(report[name][analyzer]), flush=True)
            if args.hybrid:
                from auskunft.evaluation.beir import run_beir

                args.work_dir.mkdir(parents=True, exist_ok=True)
                full = run_beir(
                    bench, work_dir=args.work_dir, max_queries=args.max_queries, sparse_analyzer=analyzer
                )
                report[name][analyzer]["retrieval"] = {
                    k: full[k]["ndcg@10"] for k in ("sparse", "dense", "hybrid", "hybrid-raw") if k in full
                }
                print(
                    name,
                    analyzer,
                    "retrieval nDCG@10",
                    json.dumps(report[name][analyzer]["retrieval"]),
                    flush=True,
                )
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
