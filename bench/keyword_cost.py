"""What the extractive answerer itself costs per answer, cold and warm: the service's engine built from
DATA_DIR, the hits of the first 30 questions of a JSONL file searched once, then the answerer (`engine.
extractive`: key terms, keyword scores, coverage, sentence vectors, the question's embedding) run over those
hits three times, each question made unique (so the question's own caches never answer). Pass 1 meets the
sentences and words for the first time in this process; passes 2-3 are a service that has seen those pages.

    PYTHONPATH=<tree>/src .venv/bin/python bench/keyword_cost.py DATA_DIR QUESTIONS.jsonl [--memory] [--profile]

--profile: pass 1 under cProfile (the 30 functions with the most time of their own).

--memory: also what the per-text caches hold after the passes (tracemalloc of filling them again; only
trees that have them: auskunft.text.german.text_terms, auskunft.chat.extractive.keywords.sentence_stems).
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from auskunft.chat.factory import build_runtime  # noqa: E402
from auskunft.config import Settings  # noqa: E402


def main() -> None:
    data, qfile = Path(sys.argv[1]), Path(sys.argv[2])
    lines = qfile.read_text(encoding="utf-8").splitlines()[:30]
    questions = [(json.loads(line).get("question") or json.loads(line).get("text")) for line in lines]
    rt = build_runtime(Settings(data_dir=data, redis_url=""))
    rt.engine.start()
    try:
        answerer = rt.engine.extractive
        hits = [rt.engine.search(q) for q in questions]
        for q, h in zip(questions[:5], hits, strict=False):  # loads what loads lazily
            answerer(f"{q} warm", h, "de")
        passes = []
        for p in range(3):
            profile = cProfile.Profile() if p == 0 and "--profile" in sys.argv else None
            if profile is not None:
                profile.enable()
            t0 = time.perf_counter()
            for i, (q, h) in enumerate(zip(questions, hits, strict=True)):
                answerer(f"{q} ({p}-{i})", h, "de")
            passes.append((time.perf_counter() - t0) / len(questions) * 1000)
            if profile is not None:
                profile.disable()
                pstats.Stats(profile).sort_stats("tottime").print_stats(30)
        print(
            f"answerer per answer, passes 1-3: {' / '.join(f'{x:.1f}' for x in passes)} ms "
            f"({len(questions)} questions, {sum(len(h) for h in hits)} hits)"
        )
        if "--memory" in sys.argv:
            memory(answerer, questions, hits)
    finally:
        rt.close()


def memory(answerer, questions, hits) -> None:  # noqa: ANN001
    import tracemalloc

    from auskunft.chat.extractive import keywords
    from auskunft.text import german

    german._TEXT_TERMS.clear()
    keywords._STEMS.clear()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i, (q, h) in enumerate(zip(questions, hits, strict=True)):
        answerer(f"{q} (m-{i})", h, "de")
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    n = len(german._TEXT_TERMS) + len(keywords._STEMS)
    print(
        f"per-text caches: {len(german._TEXT_TERMS)} TextTerms + {len(keywords._STEMS)} sentence stems, "
        f"{held / 1e6:.2f} MB held after one pass = {held / max(1, n) / 1e3:.1f} kB per entry"
    )


if __name__ == "__main__":
    main()
