"""Record what `auskunft.retrieval.refine` is given and what it answers, on a real index, as a test fixture:
the fused hits of each question (chunks, scores, dense vectors) and refine's ordering of them.

    .venv/bin/python bench/record_refine_hits.py DATA_DIR QA.jsonl OUT.json.gz [--refine FILE.py] [-n 40]

--refine: a file holding the implementation to record (default: the package's own), e.g. the version before
a rewrite, so tests/retrieval/test_refine_recorded.py can check that a new implementation orders the same
hits the same way. Vectors are stored as int8 with one scale per vector (the fixture stays small); the
recorded ordering is computed on those dequantised vectors, so old and new see the very same input.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import importlib.util
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from auskunft.config import Settings  # noqa: E402
from auskunft.models import RetrievedChunk  # noqa: E402
from auskunft.pipeline.index import index_target_from_settings, open_index  # noqa: E402
from auskunft.retrieval import HybridSearcher  # noqa: E402

TOP_KS = (6, 0)  # 0: top_k = all hits (what HybridSearcher asks for before its per-document cap)


def quantise(v: np.ndarray) -> list:
    scale = float(np.abs(v).max()) / 127 or 1.0
    q = np.round(v / scale).astype(np.int8)
    return [scale, base64.b64encode(q.tobytes()).decode()]


def dequantise(item: list) -> np.ndarray:
    scale, data = item
    return np.frombuffer(base64.b64decode(data), dtype=np.int8).astype(np.float32) * np.float32(scale)


def ordering(out: list[RetrievedChunk]) -> list[list]:
    return [[h.chunk.chunk_id, round(h.score, 6), list(h.also)] for h in out]


class Capturing(HybridSearcher):
    def __init__(self, *a: object, **kw: object) -> None:
        super().__init__(*a, **kw)  # type: ignore[arg-type]
        self.captured: list[tuple[list[RetrievedChunk], dict]] = []

    def _finish(self, hits, vectors, top_k):  # noqa: ANN001,ANN202
        hits = sorted(hits, key=lambda h: (-h.score, h.chunk.chunk_id))
        for n, h in enumerate(hits, 1):
            h.rank = n
        self.captured.append(([h.model_copy(deep=True) for h in hits], dict(vectors)))
        return hits[:top_k]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("data_dir", type=Path)
    p.add_argument("qa", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--refine", type=Path, default=None, help="file with the refine() to record")
    p.add_argument("-n", type=int, default=40, help="questions")
    p.add_argument("--top-k", type=int, default=6, help="top_k of the search (2 x top_k + 4 hits fused)")
    p.add_argument("--keep", type=int, default=20, help="cases kept: those refine changes first")
    args = p.parse_args()
    if args.refine:
        spec = importlib.util.spec_from_file_location("refine_recorded", args.refine)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        refine = module.refine
    else:
        from auskunft.retrieval.refine import refine
    settings = Settings(data_dir=args.data_dir)
    store, embedder, sparse = open_index(index_target_from_settings(settings), read_only=True)
    embedder.start()
    searcher = Capturing(store, settings.kb_name, embedder, sparse)
    questions = [json.loads(line)["question"] for line in args.qa.read_text(encoding="utf-8").splitlines()]
    cases = []
    try:
        for q in questions[: args.n]:
            searcher.captured.clear()
            searcher.search(q, top_k=args.top_k)
            hits, vectors = searcher.captured[0]
            stored = {k: quantise(np.asarray(v, dtype=np.float32)) for k, v in vectors.items()}
            exact = {k: dequantise(v) for k, v in stored.items()}
            cases.append(
                {
                    "question": q,
                    "hits": [h.model_dump(mode="json") for h in hits],
                    "vectors": stored,
                    "expected": {
                        str(k): ordering(
                            refine([h.model_copy(deep=True) for h in hits], exact, top_k=k or len(hits))
                        )
                        for k in TOP_KS
                    },
                }
            )
    finally:
        store.close()

    def changed(case: dict) -> bool:
        return [h["chunk"]["chunk_id"] for h in case["hits"]] != [c[0] for c in case["expected"]["0"]]

    cases = ([c for c in cases if changed(c)] + [c for c in cases if not changed(c)])[: args.keep]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(args.out, "wt", encoding="utf-8") as fh:
        json.dump({"data_dir": str(args.data_dir.name), "qa": args.qa.name, "cases": cases}, fh)
    folded = sum(len(c["hits"]) - len(c["expected"]["0"]) for c in cases)
    print(
        f"{len(cases)} questions, {sum(len(c['hits']) for c in cases)} hits ({folded} folded) -> {args.out}"
    )


if __name__ == "__main__":
    main()
