"""In-process search latency (query embedding + hybrid search + ranking refinement) of one or more checkouts
on the same index, in alternating rounds so a noisy machine weighs on all of them alike.

    .venv/bin/python bench/search_latency.py DATA_DIR --questions FILE.jsonl \
        [--tree before=/tmp/before --tree new=.] [-n 100] [--rounds 3] [--top-k 6] [--served]

Each round starts one process per tree (PYTHONPATH at the tree's src), which opens the live index read-only,
warms up on 10 questions, then times -n questions three ways, taking turns question by question: the
whole search with refinement, the same without it, and the query embedding alone (a tree whose embedder
remembers query vectors has them forgotten before every call: each search embeds its question). With
--served, a fourth way: the search as the service configures it (`build_runtime`: the rank votes over more
candidates; it opens DATA_DIR/state.db, so give it a copy). BLAS runs on one thread as in the service
(OPENBLAS_NUM_THREADS=1 unless set). Reported per tree: the median over rounds of each round's mean and p95
(ms, wall clock) and of its CPU per call (ms of process time: every thread, steadier than wall clock on a
loaded machine).
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
served = sys.argv[5] == "1"
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
embedders = [emb]
if served:  # the search as the service configures it (votes over more candidates, caps), embedding included
    from auskunft.chat.factory import build_runtime
    engine = build_runtime(settings, client=store, events=False).engine
    engine.start()
    for q in qs[:10]:
        engine.search(q)
    modes["served"] = engine.search
    embedders.append(engine.retriever.embedder)
times = {k: [] for k in modes}
cpu = {k: 0.0 for k in modes}  # process CPU (every thread: the engine's search pool too), load-independent
# trees whose embedders remember query vectors: every call embeds
remembered = [c for c in (getattr(e, "query_cache", None) for e in embedders) if c is not None]
for i, q in enumerate(items):  # the modes take turns question by question (load spikes hit all alike)
    names = list(modes)[i % len(modes):] + list(modes)[:i % len(modes)]
    for k in names:
        for cache in remembered:
            cache.clear()
        c0, t0 = time.process_time(), time.perf_counter()
        modes[k](q)
        times[k].append((time.perf_counter() - t0) * 1000)
        cpu[k] += time.process_time() - c0
for k, ts in times.items():
    ts.sort()
    out[k] = {"mean": sum(ts) / len(ts), "p95": ts[int(0.95 * (len(ts) - 1))], "cpu": cpu[k] * 1000 / len(ts)}
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
    p.add_argument(
        "--served",
        action="store_true",
        help="also time the search as the service configures it (build_runtime: votes, caps; opens state.db)",
    )
    args = p.parse_args()
    trees = [t.split("=", 1) for t in args.tree] or [["new", str(REPO)]]
    results: dict[str, list[dict]] = {label: [] for label, _ in trees}
    for _ in range(args.rounds):
        for label, path in trees:
            tree = Path(path).resolve()
            env = os.environ | {
                "PYTHONPATH": f"{tree / 'src'}:{tree}",
                "OMP_WAIT_POLICY": "PASSIVE",
                # BLAS on one thread, as the service runs it (service/__main__.py): OpenBLAS's own threads
                # make numpy's small products wait for them (~1.7 ms of a refinement, session 13)
                "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "1"),
            }
            out = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    ROUND,
                    str(args.data_dir),
                    str(args.questions),
                    str(args.n),
                    str(args.top_k),
                    "1" if args.served else "0",
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
    kinds = ["refined", "unrefined", "embed"] + (["served"] if args.served else [])
    print(f"{'tree':<8}" + "".join(f" {k + ' mean':>15} {'p95':>7} {'cpu':>7}" for k in kinds))
    for label, rows in results.items():

        def med(kind: str, stat: str, rows: list[dict] = rows) -> float:
            return round(statistics.median(r[kind].get(stat, float("nan")) for r in rows), 2)

        print(
            f"{label:<8}"
            + "".join(f" {med(k, 'mean'):>15} {med(k, 'p95'):>7} {med(k, 'cpu'):>7}" for k in kinds)
        )


if __name__ == "__main__":
    main()
