"""The offline answer's outcomes on real sites, on fixed retrieved passages, so two versions of the answer step
compare on the same input.

    .venv/bin/python bench/answer_outcomes.py dump SITE... [--dir DIR]   # build (eval/loso.py) + dump hits
    .venv/bin/python bench/answer_outcomes.py score TAG SITE... [--dir DIR]  # the answerer on the path
    PYTHONPATH=/path/to/older/src .venv/bin/python bench/answer_outcomes.py score old SITE...  # an older one

Prints per site: keyword recall, answerable told "nothing found" / given the closest passages, unanswerable
told none-or-closest / given a confident answer. An answer step without outcomes counts found as "answer".
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def dump(sites: list[str], folder: Path) -> None:
    sys.path.insert(0, str(REPO / "eval"))
    import loso  # type: ignore[import-not-found]

    from auskunft import pipeline

    if not hasattr(pipeline, "run_direct"):  # moved to auskunft.ingest; eval/loso.py still looks here
        from auskunft.ingest import run_direct

        pipeline.run_direct = run_direct  # type: ignore[attr-defined]

    from auskunft.chat.factory import build_runtime
    from auskunft.evaluation.datasets import load_qa

    for name in sites:
        site = loso.real_sites()[name]
        settings = loso.build(site, "default", folder / "sites")
        rt = build_runtime(settings)
        try:
            searcher = rt.engine.retriever
            out = [
                {
                    "item": item.model_dump(mode="json"),
                    "hits": [
                        h.model_dump(mode="json")
                        for h in searcher.search(item.question, top_k=settings.retrieval_top_k)
                    ],
                }
                for item in load_qa(str(site.qa))
            ]
        finally:
            rt.close()
        (folder / f"{name}.json").write_text(json.dumps(out), encoding="utf-8")
        print(name, len(out), "questions", flush=True)


def score(tag: str, sites: list[str], folder: Path) -> None:
    from auskunft.chat.extractive import ExtractiveAnswerer
    from auskunft.evaluation.metrics import keyword_recall, reference_keywords
    from auskunft.index.embeddings import build_embedder
    from auskunft.models import RetrievedChunk

    embedder = build_embedder("onnx", "multilingual-e5-small-q4")
    embedder.start()
    answerer = ExtractiveAnswerer(embedder)
    answerer.start()
    for name in sites:
        rows = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        n_ans = n_un = none_ans = closest_ans = confident_un = 0
        recall = 0.0
        for r in rows:
            item = r["item"]
            hits = [RetrievedChunk.model_validate(h) for h in r["hits"]]
            ans = answerer(item["question"], hits, item.get("language", "de"))
            outcome = getattr(ans, "outcome", None) or ("answer" if ans[2] else "none")
            if item["answerable"]:
                n_ans += 1
                none_ans += outcome == "none"
                closest_ans += outcome == "closest"
                recall += keyword_recall(ans[0], reference_keywords(item)) if outcome != "none" else 0.0
            else:
                n_un += 1
                confident_un += outcome == "answer"
        figures = {
            "keyword_recall": recall / max(1, n_ans),
            "answerable_none": none_ans / max(1, n_ans),
            "answerable_closest": closest_ans / max(1, n_ans),
            "unanswerable_none_or_closest": 1 - confident_un / max(1, n_un),
            "unanswerable_answer": confident_un / max(1, n_un),
        }
        print(
            json.dumps(
                {"code": tag, "site": name, "answerable": n_ans, "unanswerable": n_un}
                | {k: round(v, 3) for k, v in figures.items()}
            ),
            flush=True,
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=["dump", "score"])
    ap.add_argument("args", nargs="+", help="dump: SITE...; score: TAG SITE...")
    ap.add_argument("--dir", type=Path, default=REPO / "data" / "answer-outcomes")
    a = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    a.dir.mkdir(parents=True, exist_ok=True)
    if a.command == "dump":
        dump(a.args, a.dir)
    else:
        score(a.args[0], a.args[1:], a.dir)


if __name__ == "__main__":
    main()
