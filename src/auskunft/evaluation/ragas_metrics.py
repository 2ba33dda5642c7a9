"""Ragas metrics: the non-LLM ones always; LLM-judged ones when an OpenAI-compatible judge is configured."""

from __future__ import annotations

import asyncio
import logging
import os
import warnings

os.environ.setdefault("RAGAS_DO_NOT_TRACK", "true")
log = logging.getLogger(__name__)


def _non_llm_metrics() -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ragas.metrics import (
            _IDBasedContextPrecision,
            _IDBasedContextRecall,
            _NonLLMContextRecall,
            _NonLLMStringSimilarity,
            _RougeScore,
        )
    return {"id_context_precision": _IDBasedContextPrecision(), "id_context_recall": _IDBasedContextRecall(),
            "nonllm_context_recall": _NonLLMContextRecall(), "answer_string_similarity": _NonLLMStringSimilarity(),
            "answer_rouge": _RougeScore()}


def _judge_metrics(model: str, base_url: str, api_key: str | None) -> dict:
    from openai import AsyncOpenAI
    from ragas.llms import llm_factory

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ragas.metrics import Faithfulness, LLMContextPrecisionWithReference, LLMContextRecall

    llm = llm_factory(model, provider="openai", client=AsyncOpenAI(base_url=base_url or None, api_key=api_key or "x"))
    return {"faithfulness": Faithfulness(llm=llm), "llm_context_precision": LLMContextPrecisionWithReference(llm=llm),
            "llm_context_recall": LLMContextRecall(llm=llm)}


def score_sample(*, question: str, answer: str, contexts: list[str], context_ids: list[str], reference: str,
                 reference_ids: list[str], reference_contexts: list[str], judge: dict | None = None) -> dict[str, float]:
    from ragas.dataset_schema import SingleTurnSample

    sample = SingleTurnSample(user_input=question, response=answer, retrieved_contexts=contexts or [""],
                              retrieved_context_ids=context_ids or ["-"], reference=reference or "-",
                              reference_context_ids=reference_ids or ["-"],
                              reference_contexts=reference_contexts or [reference or "-"])
    metrics = dict(_non_llm_metrics())
    if judge:
        metrics |= judge
    out: dict[str, float] = {}
    for name, metric in metrics.items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                value = asyncio.run(metric.single_turn_ascore(sample))
            out[name] = round(float(value), 4)
        except Exception as exc:  # one failing metric must not lose the others
            log.warning("ragas metric %s failed: %s", name, exc)
    return out


def build_judge(model: str, base_url: str, api_key: str | None) -> dict | None:
    if not model:
        return None
    return _judge_metrics(model, base_url, api_key)
