"""refine() on arrays orders real hits exactly as the pure-Python version did: fused hits of 20 questions on a
real site's index (agenda21-garching), with their vectors, and the ordering the earlier implementation gave,
recorded by bench/record_refine_hits.py before the rewrite (tests/retrieval/fixtures/refine_agenda21.json.gz)."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from auskunft.models import RetrievedChunk
from auskunft.retrieval.refine import refine

FIXTURE = Path(__file__).parent / "fixtures" / "refine_agenda21.json.gz"
CASES = json.loads(gzip.decompress(FIXTURE.read_bytes()))["cases"]


def dequantise(item: list) -> np.ndarray:
    """As bench/record_refine_hits.py stored it: int8 with one scale per vector."""
    scale, data = item
    return np.frombuffer(base64.b64decode(data), dtype=np.int8).astype(np.float32) * np.float32(scale)


@pytest.mark.parametrize("case", CASES, ids=[c["question"][:40] for c in CASES])
@pytest.mark.parametrize("top_k", ["6", "0"])
def test_same_order_scores_and_copies_as_recorded(case: dict, top_k: str) -> None:
    hits = [RetrievedChunk.model_validate(h) for h in case["hits"]]
    vectors = {k: dequantise(v) for k, v in case["vectors"].items()}
    out = refine(hits, vectors, top_k=int(top_k) or len(hits))
    got = [[h.chunk.chunk_id, round(h.score, 6), list(h.also)] for h in out]
    assert [g[0] for g in got] == [e[0] for e in case["expected"][top_k]]
    assert got == case["expected"][top_k]


def test_the_recording_exercises_refine() -> None:
    """Every recorded case was reordered or folded by refine (else equality would prove little)."""
    assert len(CASES) == 20
    for case in CASES:
        assert [h["chunk"]["chunk_id"] for h in case["hits"]] != [e[0] for e in case["expected"]["0"]]
