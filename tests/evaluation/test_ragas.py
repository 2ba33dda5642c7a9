"""Ragas metrics: non-LLM ones on a hand-checked sample; the judge path against a scripted OpenAI-compatible judge."""

from __future__ import annotations

import hashlib

import pytest

from auskunft.evaluation.ragas_metrics import JudgeConfig, Sample, score_sample
from tests.evaluation.judge_server import judge_server

SAMPLE = Sample(
    question="Wann wurde der Verband gegründet?",
    answer="Am 12. Mai 1987 in Duisburg.",
    contexts=["Der Verband wurde am 12. Mai 1987 in Duisburg gegründet.", "Kontakt: Geschäftsstelle."],
    context_ids=["http://x/verband/", "http://x/kontakt/"],
    reference="Am 12. Mai 1987 in Duisburg.",
    reference_ids=["http://x/verband/"],
)


def _embed(text: str) -> list[float]:
    digest = hashlib.sha256(text.encode()).digest()
    return [b / 255 for b in digest[:16]]


def test_non_llm_metrics_without_judge() -> None:
    scores = score_sample(SAMPLE)
    assert scores["id_context_precision"] == 0.5  # 1 of 2 retrieved URLs is gold
    assert scores["id_context_recall"] == 1.0
    assert (
        scores["answer_string_similarity"] == 1.0 and scores["answer_rouge_l"] == 1.0
    )  # answer == reference
    assert scores["answer_chrf"] > 0.99
    assert not {"faithfulness", "llm_context_precision"} & set(scores)
    wrong = score_sample(
        SAMPLE.model_copy(
            update={"answer": "Das steht nicht in den Dokumenten.", "context_ids": ["http://x/kontakt/"]}
        )
    )
    assert wrong["id_context_recall"] == 0.0
    assert wrong["answer_rouge_l"] < 0.3 and wrong["answer_string_similarity"] < 0.6
    no_ref = score_sample(SAMPLE.model_copy(update={"reference": ""}))
    assert "answer_rouge_l" not in no_ref


def test_judge_metrics_come_from_the_judges_answers() -> None:
    script = {
        "StatementGeneratorOutput": {"statements": ["Gegründet 1987.", "Gegründet in Bonn."]},
        "NLIStatementOutput": {
            "statements": [
                {"statement": "Gegründet 1987.", "reason": "steht da", "verdict": 1},
                {"statement": "Gegründet in Bonn.", "reason": "steht nicht da", "verdict": 0},
            ]
        },
        "ContextPrecisionOutput": [{"reason": "nein", "verdict": 0}, {"reason": "ja", "verdict": 1}],
        "ContextRecallOutput": {
            "classifications": [
                {"statement": "a", "reason": "r", "attributed": 1},
                {"statement": "b", "reason": "r", "attributed": 0},
                {"statement": "c", "reason": "r", "attributed": 0},
            ]
        },
        "AnswerRelevanceOutput": {"question": SAMPLE.question, "noncommittal": 0},
    }
    with judge_server(script) as judge:
        cfg = JudgeConfig(model="judge-model", base_url=judge.base_url, api_key="secret")
        scores = score_sample(SAMPLE, judge=cfg, embed=_embed)
    assert scores["faithfulness"] == 0.5  # 1 of 2 statements supported
    assert scores["llm_context_precision"] == 0.5  # relevant only at rank 2: precision@2 = 1/2
    assert scores["llm_context_recall"] == pytest.approx(0.3333, abs=1e-4)  # 1 of 3 attributed
    assert scores["answer_relevancy"] == pytest.approx(1.0, abs=1e-4)  # regenerated question == the question
    assert {body["model"] for _, body in judge.requests} == {"judge-model"}
    assert {name for name, _ in judge.requests} == set(script)


def test_failing_judge_keeps_the_other_metrics() -> None:
    with judge_server({}) as judge:  # every judge call answers HTTP 400
        scores = score_sample(SAMPLE, judge=JudgeConfig(model="m", base_url=judge.base_url))
    assert "faithfulness" not in scores
    assert scores["id_context_recall"] == 1.0
