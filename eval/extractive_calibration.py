"""No-LLM (extractive) answers on the QA sets: figures, and the calibration of the "not in the documents" threshold.

Builds (once, cached under data/eval-sites/<site>) a real index of each site by crawling it over loopback,
then runs every QA set through the service's own path (`auskunft.evaluation.runner.evaluate`) and reports
per set: retrieval hit@1/hit@5, citation hit, keyword recall (share of the reference keywords the answer
contains; the item's `keywords`, else the numbers and content words of `reference_answer`), answered rate,
no-answer accuracy and latency.

`--calibrate` also scores every question's candidate sentences once and sweeps the extractive parameters
(`ExtractiveParams`: threshold, strong_threshold, keyword_weight, margin) over all sets together; it prints
the best settings by balanced accuracy (answered answerable + refused unanswerable) with keyword recall as
the tie-break. Copy them into `ExtractiveParams` when they change (new embedding model, new QA sets).

Usage: OMP_WAIT_POLICY=PASSIVE .venv/bin/python eval/extractive_calibration.py [--sites demo acker messy]
       [--calibrate] [--rebuild]
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import sys
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from auskunft.config import Settings  # noqa: E402
from auskunft.devserver import serve_directory  # noqa: E402
from auskunft.evaluation import metrics as M  # noqa: E402
from auskunft.evaluation.datasets import QA_DIR  # noqa: E402
from auskunft.evaluation.metrics import keyword_recall, reference_keywords  # noqa: E402

# site -> (folder served, public origin, QA set, render_js)
SITES = {
    "demo": (REPO / "datasets" / "demo-site", "http://localhost:8765", "demo-site", False),
    "acker": (
        REPO.parent / "shared" / "sites" / "ackersyndikat" / "site",
        "https://ackersyndikat.org",
        "ackersyndikat",
        False,
    ),
    "messy": (
        REPO / "datasets" / "messy-site",
        "http://localhost:8766",
        "messy-site",
        True,
    ),  # lazy-loaded list
}


def build_site(site: str, data_root: Path, rebuild: bool = False) -> Settings:
    from auskunft.ingest import run_direct

    folder, public, _, render_js = SITES[site]
    data_dir = data_root / site
    sources = data_root / f"{site}-sources.yml"
    settings = Settings(data_dir=data_dir, sources_file=sources, redis_url="")
    marker = data_dir / ".built"
    if marker.exists() and not rebuild:
        return settings
    with serve_directory(folder) as srv:
        source = {
            "name": site,
            "start_urls": [public + "/"],
            "host_aliases": {public: srv.origin},
            "allow_private": True,
            "render_js": render_js,
            "follow_pdfs": True,
            "max_pages": 2000,
            "max_depth": 20,
            "rate_limit_per_s": 200,
            "concurrency": 4,
        }
        sources.parent.mkdir(parents=True, exist_ok=True)
        sources.write_text(yaml.safe_dump({"sources": [source]}), encoding="utf-8")
        t0 = time.perf_counter()
        out = run_direct(settings, site)
        print(f"{site}: indexed in {time.perf_counter() - t0:.0f} s: {out.get('counts')} {out.get('index')}")
    marker.write_text("ok", encoding="utf-8")
    return settings


def load_items(qa: str) -> list[dict]:
    path = QA_DIR / f"{qa}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def figures(settings: Settings, qa: str, *, mlflow: bool = False, label: str = "") -> dict[str, float]:
    """The eval runner's figures plus keyword recall (computed from its rows); `mlflow`: log them as one run
    of the index version (experiment auskunft-eval, with the runner's artifacts, per-question scores included)."""
    from auskunft.evaluation.runner import evaluate

    items = {i["id"]: i for i in load_items(qa)}
    result = evaluate(settings, dataset=qa, log_mlflow=False)
    answerable = [r for r in result.rows if r["answerable"]]
    recall = []
    for r in answerable:
        r["scores"]["keyword_recall"] = (
            keyword_recall(r["answer"], reference_keywords(items[r["id"]])) if r["found"] else 0.0
        )
        recall.append(r["scores"]["keyword_recall"])
    result.metrics["keyword_recall"] = round(sum(recall) / max(1, len(recall)), 4)
    if mlflow:
        from auskunft.evaluation.tracking import log_run

        result.params["answer"] = label
        print(f"{qa}: MLflow run {log_run(settings, result)} ({settings.mlflow_uri})")
    m = result.metrics
    return {
        "questions": len(result.rows),
        "unanswerable": len(result.rows) - len(answerable),
        "hit@1": m.get("hit@1", 0.0),
        "hit@5": m.get("hit@5", 0.0),
        "citation_hit": m.get("citation_hit", 0.0),
        "answered": m.get("answered", 0.0),
        "keyword_recall": m["keyword_recall"],
        "no_answer_accuracy": m.get("no_answer_accuracy", 0.0),
        "latency_p50_ms": m.get("latency_p50_ms", 0.0),
        "latency_p95_ms": m.get("latency_p95_ms", 0.0),
    }


def collect(settings: Settings, qa: str) -> list[tuple[dict, object, float]]:  # (item, Scored, seconds)
    """(item, Scored, seconds to score) per question: retrieval as the service does it, candidates scored once."""
    from auskunft.chat.extractive import ExtractiveAnswerer, ExtractiveParams
    from auskunft.chat.factory import build_runtime

    runtime = build_runtime(settings)
    try:
        engine = runtime.engine
        embedder = engine.retriever.embedder
        assert embedder is not None  # the factory's retriever embeds queries
        embedder.start()
        answerer = ExtractiveAnswerer(embedder, ExtractiveParams(max_embed=10_000))
        out = []
        for item in load_items(qa):
            hits = engine.search(item["question"])
            t0 = time.perf_counter()
            scored = answerer.score(item["question"], hits)
            out.append((item, scored, time.perf_counter() - t0))
        return out
    finally:
        runtime.close()


def latency(settings: Settings, qa: str) -> None:
    """Answer time per question (retrieval excluded), interleaved so machine load hits all alike: keywords
    only, by meaning with a cold sentence cache (a fresh answerer per question), by meaning warm (asked again)."""
    from auskunft.chat.extractive import ExtractiveAnswerer, extractive_answer
    from auskunft.chat.factory import build_runtime

    runtime = build_runtime(settings)
    times: dict[str, list[float]] = {"keywords": [], "meaning_cold": [], "meaning_warm": []}
    try:
        engine = runtime.engine
        embedder = engine.retriever.embedder
        assert embedder is not None  # the factory's retriever embeds queries
        embedder.start()
        for item in load_items(qa):
            hits = engine.search(item["question"])
            lang = item.get("language", "de")
            t0 = time.perf_counter()
            extractive_answer(item["question"], hits, lang)
            t1 = time.perf_counter()
            answerer = ExtractiveAnswerer(embedder)
            answerer(item["question"], hits, lang)
            t2 = time.perf_counter()
            answerer(item["question"], hits, lang)
            t3 = time.perf_counter()
            for key, secs in zip(times, (t1 - t0, t2 - t1, t3 - t2), strict=True):
                times[key].append(secs * 1000)
    finally:
        runtime.close()
    print(
        f"{qa}: answer ms p50/p95 (retrieval excluded): "
        + ", ".join(f"{k} {M.percentile(v, 50):.1f}/{M.percentile(v, 95):.1f}" for k, v in times.items())
    )


def sweep(collected: list[tuple[str, dict, object, float]]) -> None:
    from auskunft.chat.extractive import ExtractiveAnswerer, ExtractiveParams

    answerer = ExtractiveAnswerer()
    rows = []
    grid = itertools.product(
        [0.80, 0.82, 0.84],  # threshold
        [0.88, 0.90, 0.92, 1.01],  # strong_threshold (1.01: a missing key term always refuses)
        [0.05, 0.1],  # keyword_weight
        [0.04, 0.06],  # margin
        [0.01, 0.03],  # rank_weight
        [0.0, 0.01],  # short_penalty
        [0.0, 0.34, 0.5, 0.67],  # min_term_coverage
        [16, 32],  # max_embed
    )
    sets = sorted({site for site, _, _, _ in collected})
    limited = {me: [_limit(scored, me) for _, _, scored, _ in collected] for me in (16, 32)}
    for thr, strong, kw, margin, rank_w, short, coverage, max_embed in grid:
        if strong < thr:
            continue
        p = ExtractiveParams(
            threshold=thr,
            strong_threshold=strong,
            keyword_weight=kw,
            margin=margin,
            rank_weight=rank_w,
            short_penalty=short,
            min_term_coverage=coverage,
            max_embed=max_embed,
        )
        per: dict[str, list[float]] = {
            s: [0, 0, 0.0, 0, 0] for s in sets
        }  # answered, refused, recall, n_ans, n_un
        for (site, item, _, _), scored in zip(collected, limited[max_embed], strict=True):
            text, _, found = answerer.compose(scored, item.get("language", "de"), p)
            acc = per[site]
            if item["answerable"]:
                acc[3] += 1
                acc[0] += found
                acc[2] += keyword_recall(text, reference_keywords(item)) if found else 0.0
            else:
                acc[4] += 1
                acc[1] += not found
        recall = [a[2] / max(1, a[3]) for a in per.values()]
        refused = [a[1] / max(1, a[4]) for a in per.values()]
        answered = [a[0] / max(1, a[3]) for a in per.values()]
        rows.append((min(refused), sum(recall) / len(recall), recall, refused, answered, p))
    rows.sort(key=lambda r: (-(r[0] >= 0.8), -r[1], -r[0]))
    print(
        f"\nbest parameters over {', '.join(sets)} (every set's no-answer accuracy >= 0.8 first, then mean keyword recall):"
    )
    for _, mean_recall, recall, refused, answered, p in rows[:10]:
        fmt = lambda xs: "/".join(f"{x:.3f}" for x in xs)  # noqa: E731
        print(
            f"recall {mean_recall:.3f} ({fmt(recall)})  no-answer {fmt(refused)}  answered {fmt(answered)}  {p}"
        )


def _limit(scored, max_embed: int):  # noqa: ANN001, ANN202 - Scored -> Scored with fewer sentences embedded
    import copy

    out = copy.deepcopy(scored)
    chosen = sorted(out.candidates, key=lambda c: -(c.keyword + 0.15 / c.n))[:max_embed]
    keep = {id(c) for c in chosen}
    for c in out.candidates:
        if id(c) not in keep:
            c.meaning = None
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", nargs="+", default=["demo", "acker", "messy"], choices=sorted(SITES))
    ap.add_argument("--data", type=Path, default=REPO / "data" / "eval-sites")
    ap.add_argument("--calibrate", action="store_true", help="sweep the extractive parameters")
    ap.add_argument(
        "--keywords-only",
        action="store_true",
        help="figures with the keyword-only answer (no embedder), for A/B",
    )
    ap.add_argument("--mlflow", action="store_true", help="log each set's figures as an MLflow run")
    ap.add_argument("--latency", action="store_true", help="time keyword vs meaning answers (interleaved)")
    ap.add_argument("--no-figures", action="store_true", help="skip the eval runner (calibration only)")
    ap.add_argument("--dump", type=Path, help="--calibrate: save the scored candidates (pickle) to this file")
    ap.add_argument("--load", type=Path, help="sweep scored candidates saved by --dump (no index needed)")
    ap.add_argument("--rebuild", action="store_true", help="crawl and index the sites again")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.keywords_only:  # the service's path with the answerer built without an embedder
        from auskunft.chat import factory
        from auskunft.chat.extractive import ExtractiveAnswerer

        factory.ExtractiveAnswerer = lambda _embedder: ExtractiveAnswerer()  # type: ignore[assignment,misc]
    label = "extractive, keywords only" if args.keywords_only else "extractive, meaning + keywords"
    collected = []
    if args.load:
        import pickle

        sweep(pickle.loads(args.load.read_bytes()))  # noqa: S301 - our own file
        return
    for site in args.sites:
        folder, _, qa, _ = SITES[site]
        if not folder.exists() or not (QA_DIR / f"{qa}.jsonl").exists():
            print(f"{site}: skipped ({folder} or datasets/qa/{qa}.jsonl missing)")
            continue
        settings = build_site(site, args.data, args.rebuild)
        if not args.no_figures:
            print(f"{site} ({qa}): {json.dumps(figures(settings, qa, mlflow=args.mlflow, label=label))}")
        if args.latency:
            latency(settings, qa)
        if args.calibrate:
            got = collect(settings, qa)
            secs = [s for _, _, s in got]
            print(
                f"{site}: scoring (all sentences embedded, cache cold then warm) p50 "
                f"{M.percentile(secs, 50) * 1000:.0f} ms, p95 {M.percentile(secs, 95) * 1000:.0f} ms"
            )
            collected += [(site, item, scored, secs) for item, scored, secs in got]
    if args.calibrate and collected:
        if args.dump:
            import pickle

            args.dump.write_bytes(pickle.dumps(collected))
        sweep(collected)


if __name__ == "__main__":
    main()
