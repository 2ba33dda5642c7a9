"""In-process search latency (query embedding + hybrid search + ranking refinement) of one or more checkouts
on the same index, in alternating rounds so a noisy machine weighs on all of them alike.

    .venv/bin/python bench/search_latency.py DATA_DIR --questions FILE.jsonl \
        [--tree before=/tmp/before --tree new=.] [-n 100] [--rounds 3] [--top-k 6]

Each round starts one process per tree (PYTHONPATH at the tree's src), which opens the live index read-only,
warms up on 10 questions, then times -n questions three ways, taking turns question by question: the
whole search with refinement, the same without it, and the query embedding alone (a tree whose embedder
remembers query vectors has them forgotten before every call: each search embeds its question). Reported per
tree: the median over rounds of each round's mean and p95 (ms).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

ROUND = r"""
import json, os, sys, time
from pathlib import Path
from auskunft.config import Settings
from auskunft.pipeline.index import index_target_from_settings, open_index
from auskunft.retrieval import HybridSearcher
data, qfile, n, top_k = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
qs = []
for line in qfile.read_text(encoding="utf-8").splitlines():
    if line.strip():
        d = json.loads(line)
        qs.append(d.get("question") or d.get("text"))
settings = Settings(data_dir=data)
store, emb, sparse = open_index(index_target_from_settings(settings), read_only=True)
emb.start()
out = {}
for q in qs[:10]:  # warm-up
    HybridSearcher(store, settings.kb_name, emb, sparse).search(q, top_k=top_k)
items = qs[10:10 + n]
refined = HybridSearcher(store, settings.kb_name, emb, sparse, refined=True)
raw = HybridSearcher(store, settings.kb_name, emb, sparse, refined=False)
modes = {
    "refined": lambda q: refined.search(q, top_k=top_k),
    "unrefined": lambda q: raw.search(q, top_k=top_k),
    "embed": emb.embed_query,
}
times = {k: [] for k in modes}
remembered = getattr(emb, "query_cache", None)  # trees that remember query vectors: every call embeds
for i, q in enumerate(items):  # the modes take turns question by question (load spikes hit all alike)
    names = list(modes)[i % 3:] + list(modes)[:i % 3]
    for k in names:
        if remembered is not None:
            remembered.clear()
        t0 = time.perf_counter(); modes[k](q); times[k].append((time.perf_counter() - t0) * 1000)
for k, ts in times.items():
    ts.sort()
    out[k] = {"mean": sum(ts) / len(ts), "p95": ts[int(0.95 * (len(ts) - 1))]}
out["points"] = store.count(settings.kb_name)
store.close()
print(json.dumps(out))
"""


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("data_dir", type=Path)
    p.add_argument("--questions", type=Path, required=True)
    p.add_argument("--tree", action="append", default=[], help="LABEL=PATH (default new=this checkout)")
    p.add_argument("-n", type=int, default=100)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--top-k", type=int, default=6)
    args = p.parse_args()
    trees = [t.split("=", 1) for t in args.tree] or [["new", str(REPO)]]
    results: dict[str, list[dict]] = {label: [] for label, _ in trees}
    for _ in range(args.rounds):
        for label, path in trees:
            tree = Path(path).resolve()
            env = os.environ | {"PYTHONPATH": f"{tree / 'src'}:{tree}", "OMP_WAIT_POLICY": "PASSIVE"}
            out = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    ROUND,
                    str(args.data_dir),
                    str(args.questions),
                    str(args.n),
                    str(args.top_k),
                ],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            results[label].append(json.loads(out.stdout.strip().splitlines()[-1]))
    points = next(iter(results.values()))[0]["points"]
    print(
        f"search latency in process: {args.data_dir} ({points} points), {args.n} questions from "
        f"{args.questions.name}, top_k {args.top_k}, median of {args.rounds} alternating rounds (ms)"
    )
    print(f"{'tree':<8} {'refined mean':>13} {'refined p95':>12} {'unrefined mean':>15} {'embed mean':>11}")
    for label, rows in results.items():

        def med(kind: str, stat: str, rows: list[dict] = rows) -> float:
            return round(statistics.median(r[kind][stat] for r in rows), 2)

        print(
            f"{label:<8} {med('refined', 'mean'):>13} {med('refined', 'p95'):>12} "
            f"{med('unrefined', 'mean'):>15} {med('embed', 'mean'):>11}"
        )


if __name__ == "__main__":
    main()
