"""nDCG@10 on the public retrieval benchmarks (../shared/benchmarks) for BM25-only, dense-only and hybrid.

    python eval/run_benchmarks.py [xquad-de] [scifact] [--max-queries N] [--out bench/results/beir.json]

Embeddings are cached under data/bench/ so a second run only re-scores.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from auskunft.evaluation.beir import run_beir
from auskunft.evaluation.datasets import load_beir

PUBLISHED = {"xquad-de": {"bm25": 0.925, "multilingual-e5-small": None, "multilingual-e5-base": 0.958},
             "scifact": {"bm25": 0.665, "multilingual-e5-small": 0.676, "multilingual-e5-base": 0.697}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sets", nargs="*", default=["xquad-de", "scifact"])
    parser.add_argument("--max-queries", type=int, default=None)
    parser.add_argument("--work-dir", type=Path, default=Path("data/bench"))
    parser.add_argument("--out", type=Path, default=Path("bench/results/beir.json"))
    args = parser.parse_args()
    results = []
    for name in args.sets:
        res = run_beir(load_beir(name), work_dir=args.work_dir, max_queries=args.max_queries)
        res["published"] = PUBLISHED.get(name, {})
        results.append(res)
        print(json.dumps(res, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
