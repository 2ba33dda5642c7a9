"""What the refinement after fusion remembers between searches changes nothing: refine's 3-gram overlaps by
pair of texts (`refine._PAIRS`) on the recorded real hits cold, warm and off, and the votes' sentence rows by
passage text (`CandidateVotes._passage_rows`) for one store generation only."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from auskunft.chat.extractive.semantic import candidate_sentences
from auskunft.models import RetrievedChunk
from auskunft.retrieval import refine as refine_module
from auskunft.retrieval.refine import refine
from auskunft.retrieval.votes import CandidateVotes
from tests.retrieval.test_refine_recorded import CASES, dequantise
from tests.retrieval.test_votes import ANSWER, HUB, Q, candidate, store_of, unit


def replay() -> list[list]:
    out = []
    for case in CASES:
        hits = [RetrievedChunk.model_validate(h) for h in case["hits"]]
        vectors = {k: dequantise(v) for k, v in case["vectors"].items()}
        for top_k in ("6", "0"):
            got = refine(hits, vectors, top_k=int(top_k) or len(hits))
            out.append([[h.chunk.chunk_id, round(h.score, 6), list(h.also)] for h in got])
    return out


def test_refine_remembers_overlaps_without_changing_an_order(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = [case["expected"][k] for case in CASES for k in ("6", "0")]
    refine_module._PAIRS.clear()
    assert replay() == expected  # cold
    assert refine_module._PAIRS
    assert replay() == expected  # every pair from the cache
    monkeypatch.setattr(refine_module, "PAIR_CACHE", 2)  # emptied again and again
    assert replay() == expected
    monkeypatch.setattr(refine_module, "PAIR_CACHE", 0)  # off
    refine_module._PAIRS.clear()
    assert replay() == expected
    assert not refine_module._PAIRS


def test_votes_read_a_new_generations_rows(tmp_path: Path) -> None:
    """The rows remembered for a passage belong to one store: after a switch the new store's vectors vote."""
    hub = candidate("https://v.example/archiv/", HUB, 0, 0.60)
    answer = candidate("https://v.example/beitrag.pdf", ANSWER, 1, 0.58)
    sentences = candidate_sentences(HUB) + candidate_sentences(ANSWER)
    plain = {s: unit(0.3, 1.0) for s in sentences}
    first = store_of(tmp_path / "a", plain, {})
    second = store_of(tmp_path / "b", plain | {"Der Jahresbeitrag beträgt 10 Euro.": unit(1.0, 0.1)}, {})
    current = [first]
    votes = CandidateVotes(lambda: current[0], candidate_sentences)
    question = "Wie hoch ist der Jahresbeitrag?"
    own = np.array([0.60, 0.58])
    for _ in range(2):  # cold, then from the remembered rows
        assert votes._best_sentence(first, Q, [hub, answer], own)[1] == pytest.approx(
            float(unit(0.3, 1.0) @ Q), abs=1e-3
        )
        votes.reorder(question, Q, [hub, answer])
    current[0] = second
    fresh = CandidateVotes(lambda: second, candidate_sentences)
    for _ in range(2):
        got = votes.reorder(question, Q, [hub, answer])
        assert [h.chunk.url for h in got] == [h.chunk.url for h in fresh.reorder(question, Q, [hub, answer])]
        best = votes._best_sentence(second, Q, [hub, answer], own)
        assert best.tolist() == fresh._best_sentence(second, Q, [hub, answer], own).tolist()
        assert best[1] == pytest.approx(float(unit(1.0, 0.1) @ Q), abs=1e-3)
