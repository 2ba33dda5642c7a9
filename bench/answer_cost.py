"""What one answer costs in process, and how much of it is retrieval: `ChatEngine.answer` (the service's
engine, built from DATA_DIR as the service builds it) over the first 30 questions of a JSONL file, one at a
time, each made unique so no cache answers.

    PYTHONPATH=<tree>/src:<tree> .venv/bin/python bench/answer_cost.py DATA_DIR QUESTIONS.jsonl

SENTENCE_VECTORS=off leaves the precomputed sentence vectors (DATA_DIR/sentences) unused: every sentence an
answer ranks is embedded at query time (cached per process), as before they existed.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from auskunft.chat import ChatRequest  # noqa: E402
from auskunft.chat.factory import build_runtime  # noqa: E402
from auskunft.config import Settings  # noqa: E402


async def measure(rt, questions: list[str]) -> tuple[float, float]:  # noqa: ANN001 - Runtime
    nonce = os.getpid()
    for q in questions[:5]:
        await rt.engine.answer(ChatRequest(message=f"{q} warm {nonce}"))
    total, retrieve = [], []
    for i, q in enumerate(questions):
        t0 = time.perf_counter()
        a = await rt.engine.answer(ChatRequest(message=f"{q} ({nonce}-{i})"))
        total.append((time.perf_counter() - t0) * 1000)
        retrieve.append(a.timings.get("retrieve_ms", 0.0))
    return sum(total) / len(total), sum(retrieve) / len(retrieve)


def main() -> None:
    data, qfile = Path(sys.argv[1]), Path(sys.argv[2])
    questions = []
    for line in qfile.read_text(encoding="utf-8").splitlines()[:30]:
        d = json.loads(line)
        questions.append(d.get("question") or d.get("text"))
    rt = build_runtime(Settings(data_dir=data, redis_url=""))
    rt.engine.start()
    try:
        answer_ms, retrieve_ms = asyncio.run(measure(rt, questions))
    finally:
        rt.close()
    vectors = getattr(rt.engine.extractive, "vectors", None)
    counts = (
        f", sentences embedded {vectors.embedded}, from the precomputed store {getattr(vectors, 'stored', 0)}"
        if vectors is not None
        else ""
    )
    print(
        f"answer mean {answer_ms:.1f} ms, retrieval mean {retrieve_ms:.1f} ms ({len(questions)} questions)"
        + counts
    )


if __name__ == "__main__":
    main()
