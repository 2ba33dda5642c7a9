"""nDCG@10 on the public retrieval benchmarks (../shared/benchmarks) for BM25-only, dense-only and hybrid.

    .venv/bin/python eval/run_benchmarks.py [xquad-de] [scifact] [--max-queries N] [--out bench/results/beir.json]

The work is done by bench/beir_bench.py (same options); embeddings are cached under data/bench/.
"""

from __future__ import annotations

import runpy
from pathlib import Path

if __name__ == "__main__":
    runpy.run_path(str(Path(__file__).resolve().parents[1] / "bench" / "beir_bench.py"), run_name="__main__")
