"""Answer quality on the real-site corpus, scored leave-one-site-out (every figure on a site nobody tuned for).

For every real site (datasets/sites/*/source.yml, plus ../shared/sites/ackersyndikat) the site is served on
loopback, crawled, extracted and indexed once per index variant (cached under data/eval-sites/<variant>/<site>),
then every question of its QA set (datasets/qa/<site>.jsonl) is asked through the service's own retriever and
the offline (extractive) answerer:

1. Retrieval: every configuration of RETRIEVAL_GRID (fusion weights, RRF k, ranking rules) gives hit@1/5/10 per
   site. For each site the configuration with the best mean (hit@1 + hit@5) / 2 over the OTHER sites is chosen,
   and the site is reported with it (`auskunft.evaluation.loso`).
2. Answers: with each fold's retrieval configuration, the answer parameters of ANSWER_GRID are chosen on the
   other sites (keyword recall, under the bounds: answerable told "nothing found" <= 10 %, unanswerable given a
   confident answer <= 20 %) and reported on the held-out site.
3. Index variants (--variants): chosen the same way, on top of 1 and 2.

The table printed (and written to --out as JSON) is per held-out site plus the worst site; `--in-sample` also
prints what the same parameters score on the sites they were chosen on, labelled as such, for comparison only.

Usage: OMP_WAIT_POLICY=PASSIVE .venv/bin/python eval/loso.py [--sites a b ...] [--variants default german]
       [--rebuild] [--out data/eval-sites/loso.json] [--in-sample]
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import logging
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from auskunft.config import Settings  # noqa: E402
from auskunft.devserver import serve_directory  # noqa: E402
from auskunft.evaluation import loso  # noqa: E402
from auskunft.evaluation.datasets import QAItem, load_qa  # noqa: E402
from auskunft.evaluation.metrics import keyword_recall, reference_keywords  # noqa: E402

SITES_DIR = REPO / "datasets" / "sites"
SHARED_SITES = REPO.parent / "shared" / "sites"

# index-time variants: Settings overrides that need their own index
VARIANTS: dict[str, dict[str, Any]] = {
    "default": {},
    "german": {"sparse_analyzer": "german"},
}

# retrieval configurations, the current default first (ties keep it)
RETRIEVAL_GRID: list[tuple[tuple[str, Any], ...]] = [
    (
        ("weights", w),
        ("rrf_k", k),
        ("listing_factor", lf),
        ("max_per_doc", pd),
        ("min_content_words", mw),
        ("votes", v),
        ("superseded", ss),
    )
    for v, w, k, lf, pd, mw, ss in itertools.product(
        [True, False],  # the candidates' votes (auskunft.retrieval.votes)
        [(1.5, 1.0), (1.0, 1.0), (2.0, 1.0), (1.0, 1.5)],
        [10, 2],
        [0.5, 1.0],
        [0, 2],
        [0, 3],
        [1.0, 0.0, 3.0],  # an older edition of a document series (votes; auskunft.retrieval.series)
    )
    if v or not ss  # the series rule is one of the votes
]

ANSWER_BOUNDS = {"answerable_none": ("<=", 0.10), "unanswerable_confident": ("<=", 0.20)}


@dataclass
class Site:
    name: str
    folder: Path
    source: dict[str, Any]
    qa: Path

    @property
    def origin(self) -> str:
        return next(iter(self.source["host_aliases"]))


def real_sites() -> dict[str, Site]:
    """Every real site with a QA set: committed (datasets/sites/<s>/site) or rebuilt (data/sites/<s>/site)."""
    out: dict[str, Site] = {}
    for spec in sorted(SITES_DIR.glob("*/source.yml")):
        name = spec.parent.name
        raw = yaml.safe_load(spec.read_text(encoding="utf-8"))
        source = raw["sources"][0] if isinstance(raw, dict) and "sources" in raw else raw
        folder = spec.parent / "site"
        if not folder.exists():
            folder = REPO / "data" / "sites" / name / "site"
        out[name] = Site(name, folder, source, REPO / "datasets" / "qa" / f"{name}.jsonl")
    acker = SHARED_SITES / "ackersyndikat" / "site"
    out["ackersyndikat"] = Site(
        "ackersyndikat",
        acker,
        {
            "name": "ackersyndikat",
            "start_urls": ["https://ackersyndikat.org/"],
            "host_aliases": {"https://ackersyndikat.org": "http://127.0.0.1:{port}"},
            "render_js": False,
        },
        REPO / "datasets" / "qa" / "ackersyndikat.jsonl",
    )
    return {k: v for k, v in out.items() if v.folder.exists() and v.qa.exists()}


def generated_sites() -> dict[str, Site]:
    """The project's own generated sites (regression sets, never in the real-site table)."""
    out = {}
    for name, origin, render in (
        ("demo-site", "http://localhost:8765", False),
        ("messy-site", "http://localhost:8766", True),
    ):
        source = {
            "name": name,
            "start_urls": [origin + "/"],
            "host_aliases": {origin: "http://127.0.0.1:{port}"},
        }
        out[name] = Site(
            name,
            REPO / "datasets" / name,
            source | {"render_js": render},
            REPO / "datasets" / "qa" / f"{name}.jsonl",
        )
    return out


def build(site: Site, variant: str, root: Path, rebuild: bool = False) -> Settings:
    """Crawl, extract and index the site once per variant (a marker file records a finished build)."""
    from auskunft.ingest import run_direct

    data_dir = root / variant / site.name
    sources = root / variant / f"{site.name}-sources.yml"
    settings = Settings(data_dir=data_dir, sources_file=sources, redis_url="", **VARIANTS[variant])
    marker = data_dir / ".built"
    if marker.exists() and not rebuild:
        return settings
    with serve_directory(site.folder) as srv:
        source = {
            **site.source,
            "name": site.name,
            "host_aliases": {
                k: v.replace("http://127.0.0.1:{port}", srv.origin)
                for k, v in site.source["host_aliases"].items()
            },
            "allow_private": True,
            "follow_pdfs": True,
            "max_pages": max(int(site.source.get("max_pages", 0)), 3000),
            "max_depth": min(max(int(site.source.get("max_depth", 0)), 20), 50),  # the crawler's own bound
            "rate_limit_per_s": 200,
            "concurrency": 4,
            "timeout_s": 120.0,  # a loaded evaluation machine must not turn pages into failures
        }
        source.pop("schedule", None)
        sources.parent.mkdir(parents=True, exist_ok=True)
        sources.write_text(yaml.safe_dump({"sources": [source]}), encoding="utf-8")
        t0 = time.perf_counter()
        out = run_direct(settings, site.name)
        print(
            f"{variant}/{site.name}: indexed in {time.perf_counter() - t0:.0f} s: {out.get('counts')}",
            flush=True,
        )
    marker.write_text("ok", encoding="utf-8")
    return settings


def _ranked_urls(hits: list, gold: set[str]) -> list[str]:
    """A hit that folded copies retrieves each copy's URL too (its citation names them)."""
    return [
        next((u for u in (h.chunk.url, *(a.split("#")[0] for a in h.also)) if u in gold), h.chunk.url)
        for h in hits
    ]


def _hits(ranked: list[str], gold: set[str]) -> dict[str, float]:
    return {f"hit@{k}": float(any(u in gold for u in ranked[:k])) for k in (1, 5, 10)}


def _mean(rows: list[dict[str, float]]) -> dict[str, float]:
    keys = rows[0].keys() if rows else []
    return {k: sum(r[k] for r in rows) / len(rows) for k in keys}


def retrieval_scores(settings: Settings, items: list[QAItem]) -> tuple[dict, Any]:
    """hit@k per retrieval configuration (answerable questions), and the open runtime for the answer step."""
    from auskunft.chat.factory import build_runtime

    runtime = build_runtime(settings)
    searcher = runtime.engine.retriever  # the HybridSearcher (no reranker here)
    embed = searcher.embedder.embed_query
    cache: dict[str, list[float]] = {}
    searcher.embedder.embed_query = lambda q: cache.setdefault(q, embed(q))  # type: ignore[method-assign]
    _memo_store(searcher)
    per_cfg: dict = {}
    answerable = [i for i in items if i.answerable]
    for cfg in RETRIEVAL_GRID:
        _apply(searcher, cfg)
        rows = []
        for item in answerable:
            gold = set(item.gold_urls)
            rows.append(_hits(_ranked_urls(searcher.search(item.question, top_k=10), gold), gold))
        per_cfg[cfg] = _mean(rows)
    return per_cfg, runtime


def _apply(searcher: Any, cfg: tuple[tuple[str, Any], ...]) -> None:
    params = dict(cfg)
    searcher.weights = params.pop("weights")
    searcher.rrf_k = params.pop("rrf_k")
    searcher.max_per_doc = params.pop("max_per_doc", 0)
    searcher.min_content_words = params.pop("min_content_words", 0)
    if not hasattr(searcher, "_loso_votes"):
        searcher._loso_votes = searcher.votes  # what the factory built (None with RANK_VOTES off)
    searcher.votes = searcher._loso_votes if params.pop("votes", True) else None
    superseded = params.pop("superseded", 0.0)
    if searcher.votes is not None:
        searcher.votes.params = dataclasses.replace(searcher.votes.params, superseded=superseded)
    searcher.refine_params = params


def _memo_store(searcher: Any) -> None:
    """The store answers each (query vector, fusion) once: the ranking rules are swept on its answer."""
    store = searcher.store
    if getattr(store, "_loso_memo", None) is not None:
        return
    query = store.query
    memo: dict[tuple, Any] = {}

    def cached(collection: str, q: Any) -> Any:
        key = (
            collection,
            q.limit,
            q.rrf_k,
            tuple(q.weights),
            q.fusion,
            tuple(q.dense or ())[:8],
            repr(q.sparse)[:200],
        )
        if key not in memo:
            memo[key] = query(collection, q)
        return memo[key]

    store.query = cached
    store._loso_memo = memo


def answer_rows(runtime: Any, items: list[QAItem], cfg: tuple, top_k: int) -> list[tuple[QAItem, Any]]:
    """Each question's candidate sentences scored once (with this retrieval configuration) for the sweep."""
    from auskunft.chat.extractive import ExtractiveAnswerer, ExtractiveParams

    searcher = runtime.engine.retriever
    _apply(searcher, cfg)
    answerer = ExtractiveAnswerer(searcher.embedder, ExtractiveParams())  # as the service scores
    return [
        (item, answerer.score(item.question, searcher.search(item.question, top_k=top_k))) for item in items
    ]


# answer parameters swept (field -> values, each list holding the default); fields the answerer lacks are skipped
ANSWER_SWEEP: dict[str, list[Any]] = {
    "threshold": [0.80, 0.82, 0.84, 0.86, 0.88],
    "strong_threshold": [0.90, 0.93, 1.01],
    "none_floor": [0.78, 0.76],
    "min_term_coverage": [0.67, 0.8, 1.0],
    "coverage_scope": ["union", "sentence"],
    "rank_weight": [0.01, 0.03],  # how much a higher-ranked passage's sentence is preferred
    "answer_type": [True, False],  # a quantity/time question needs a number/date in the quote
    # year_agreement (a question naming a year is not answered by quotes of other years only) is fixed on: all
    # eight folds chose it in session 13 (eval/results/loso-2026-12-05-s13.json)
    "novelty": [True, False],  # a confident quote adds a word to the question's (no bare title or heading)
}


def answer_grid() -> list[Any]:
    from auskunft.chat.extractive import ExtractiveParams

    fields = {f.name for f in dataclasses.fields(ExtractiveParams)}
    sweep = {k: v for k, v in ANSWER_SWEEP.items() if k in fields}
    grid = []
    for values in itertools.product(*sweep.values()):
        p = dict(zip(sweep, values, strict=True))
        if p.get("strong_threshold", 1.0) < p.get("threshold", 0.0):
            continue
        if p.get("none_floor", 0.0) > p.get("threshold", 1.0):
            continue
        grid.append(ExtractiveParams(**p))
    return grid


def default_index(grid: list[Any]) -> int:
    """Where the shipped ExtractiveParams() sit in the grid (the "as shipped" column)."""
    from auskunft.chat.extractive import ExtractiveParams

    shipped = ExtractiveParams()
    for i, p in enumerate(grid):
        if p == shipped:
            return i
    raise SystemExit(f"the default {shipped} is not in ANSWER_SWEEP: add its values there")


def outcome_of(answer: Any) -> str:
    """ "answer", "closest" or "none" (an answerer without the middle outcome: answer or none)."""
    return getattr(answer, "outcome", None) or ("answer" if answer[2] else "none")


def answer_metrics(rows: list[tuple[QAItem, Any]], params: Any) -> dict[str, float]:
    from auskunft.chat.extractive import ExtractiveAnswerer

    answerer = ExtractiveAnswerer()
    n_ans = n_un = 0
    told_none = confident_un = closest_ans = recall = 0.0
    for item, scored in rows:
        answer = answerer.compose(scored, item.language, params)
        outcome = outcome_of(answer)
        if item.answerable:
            n_ans += 1
            told_none += outcome == "none"
            closest_ans += outcome == "closest"
            if outcome != "none":
                recall += keyword_recall(answer[0], reference_keywords(item.model_dump()))
        else:
            n_un += 1
            confident_un += outcome == "answer"
    return {
        "keyword_recall": recall / max(1, n_ans),
        "answerable_none": told_none / max(1, n_ans),
        "answerable_closest": closest_ans / max(1, n_ans),
        "unanswerable_confident": confident_un / max(1, n_un),
        "unanswerable_ok": 1 - confident_un / max(1, n_un),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", nargs="*", help="default: every real site with a QA set")
    ap.add_argument("--variants", nargs="+", default=["default"], choices=sorted(VARIANTS))
    ap.add_argument("--data", type=Path, default=REPO / "data" / "eval-sites")
    ap.add_argument("--out", type=Path, default=REPO / "data" / "eval-sites" / "loso.json")
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--in-sample", action="store_true", help="also print in-sample figures (labelled)")
    ap.add_argument("--no-answers", action="store_true", help="retrieval only")
    ap.add_argument("--build-only", action="store_true", help="crawl and index the sites, nothing else")
    ap.add_argument(
        "--generated", action="store_true", help="add the generated demo/messy sites (smoke runs only)"
    )
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    sites = real_sites() | (generated_sites() if args.generated else {})
    if args.sites:  # in the order given
        sites = {k: sites[k] for k in args.sites if k in sites}
    print(f"sites: {', '.join(sites)}; variants: {', '.join(args.variants)}", flush=True)
    if args.build_only:
        for variant in args.variants:
            for site in sites.values():
                build(site, variant, args.data, args.rebuild)
        return
    retrieval: dict[str, dict] = {}  # site -> {(variant, cfg): metrics}
    runtimes: dict[tuple[str, str], Any] = {}
    items_of = {s: load_qa(str(site.qa)) for s, site in sites.items()}
    for variant in args.variants:
        for s, site in sites.items():
            settings = build(site, variant, args.data, args.rebuild)
            t0 = time.perf_counter()
            per_cfg, runtime = retrieval_scores(settings, items_of[s])
            runtimes[(variant, s)] = (runtime, settings)
            print(
                f"{variant}/{s}: {len(RETRIEVAL_GRID)} retrieval configs in {time.perf_counter() - t0:.0f} s",
                flush=True,
            )
            for cfg, m in per_cfg.items():
                retrieval.setdefault(s, {})[(variant, cfg)] = m
    configs = [(v, c) for v in args.variants for c in RETRIEVAL_GRID]
    objective = loso.mean_of("hit@1+5")
    for s in retrieval:
        for m in retrieval[s].values():
            m["hit@1+5"] = (m["hit@1"] + m["hit@5"]) / 2
    folds = loso.leave_one_site_out(configs, retrieval, objective)
    report: dict[str, Any] = {"sites": {}, "shipped": {}}
    print("\nretrieval, leave-one-site-out (each site scored with the configuration chosen on the others):")
    for f in folds:
        m = f.held_out_metrics
        d = retrieval[f.held_out][configs[0]]  # the shipped defaults before this choice
        report["sites"][f.held_out] = {
            "retrieval": dict(m),
            "retrieval_config": repr(f.chosen),
            "retrieval_default": dict(d),
        }
        print(
            f"  {f.held_out:24s} hit@1 {m['hit@1']:.3f}  hit@5 {m['hit@5']:.3f}  hit@10 {m['hit@10']:.3f}  chosen {f.chosen}"
        )
    shipped = loso.in_sample(configs, retrieval, objective)
    report["shipped"]["retrieval_config"] = repr(shipped)
    print(f"  chosen on all sites (in sample; a default changes only where the folds agree): {shipped}")
    if args.in_sample:
        for s in sorted(retrieval):
            m = retrieval[s][shipped]
            print(f"  IN-SAMPLE {s:20s} hit@1 {m['hit@1']:.3f}  hit@5 {m['hit@5']:.3f}")
    if not args.no_answers:
        grid = answer_grid()
        shipped = default_index(grid)
        per_site: dict[str, dict] = {}
        memo: dict[tuple, dict] = {}
        for f in folds:
            # the held-out site's answers with the retrieval configuration chosen without it; every other
            # site's answers with that same configuration, to choose the answer parameters on
            variant, cfg = f.chosen
            for s in sites:
                if (variant, cfg, s) not in memo:
                    runtime, settings = runtimes[(variant, s)]
                    rows = answer_rows(runtime, items_of[s], cfg, settings.retrieval_top_k)
                    memo[(variant, cfg, s)] = {i: answer_metrics(rows, p) for i, p in enumerate(grid)}
                per_site.setdefault(f.held_out, {})[s] = memo[(variant, cfg, s)]
        objective_a = loso.constrained("keyword_recall", ANSWER_BOUNDS)
        print("\noffline answers, leave-one-site-out:")
        for held_out, table in per_site.items():
            train = [s for s in table if s != held_out]
            best = loso.choose(list(range(len(grid))), table, objective_a, train)
            m = table[held_out][best]
            report["sites"][held_out]["answers"] = m
            # the shipped params, same retrieval
            report["sites"][held_out]["answers_default"] = table[held_out][shipped]
            report["sites"][held_out]["answer_params"] = repr(grid[best])
            print(
                f"  {held_out:24s} keywords {m['keyword_recall']:.3f}  answerable told none "
                f"{m['answerable_none']:.3f}  closest {m['answerable_closest']:.3f}  unanswerable confident {m['unanswerable_confident']:.3f}  {grid[best]}"
            )
    for runtime, _ in runtimes.values():
        runtime.close()
    worst = min(report["sites"], key=lambda s: report["sites"][s]["retrieval"]["hit@5"])
    report["worst_site"] = worst
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    print(f"\nworst site by hit@5: {worst}; written {args.out}")


if __name__ == "__main__":
    main()
