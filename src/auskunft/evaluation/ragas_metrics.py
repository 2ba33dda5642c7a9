"""Ragas metrics: the non-LLM ones always; LLM-judged ones when an OpenAI-compatible judge is configured.

Non-LLM (ragas 0.4.3): ID-based context precision/recall (retrieved URLs vs gold URLs), answer string
similarity, ROUGE-L and chrF against the reference answer. Judge (`JudgeConfig`): faithfulness, context precision (with reference),
context recall, and answer relevancy when an embedding function is given; built with
`ragas.llms.llm_factory(model, provider="openai", client=AsyncOpenAI(base_url=...))` (instructor JSON mode).
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import warnings
from collections.abc import Callable

from pydantic import BaseModel, SecretStr

os.environ.setdefault("RAGAS_DO_NOT_TRACK", "true")
log = logging.getLogger(__name__)

EmbedFn = Callable[[str], list[float]]


class JudgeConfig(BaseModel):
    """An OpenAI-compatible chat model that judges answers (EVAL_JUDGE_MODEL / _BASE_URL / _API_KEY)."""

    model: str
    base_url: str = ""  # empty: api.openai.com
    api_key: SecretStr | None = None
    timeout_s: float = 60.0


class Sample(BaseModel):
    question: str
    answer: str
    contexts: list[str]
    context_ids: list[str]
    reference: str = ""
    reference_ids: list[str] = []


def _quiet_import():  # noqa: ANN202 - returns the ragas modules lazily (import is slow and noisy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import ragas.metrics as legacy
        import ragas.metrics.collections as collections
        from ragas.dataset_schema import SingleTurnSample
    return legacy, collections, SingleTurnSample


async def _non_llm(sample: Sample) -> dict[str, float]:
    legacy, collections, single_turn = _quiet_import()
    reference = sample.reference or "-"
    st = single_turn(
        user_input=sample.question,
        response=sample.answer or "-",
        retrieved_contexts=sample.contexts or [""],
        retrieved_context_ids=sample.context_ids or ["-"],
        reference=reference,
        reference_context_ids=sample.reference_ids or ["-"],
        reference_contexts=[reference],
    )
    out: dict[str, float] = {}
    # (ragas' non-LLM context recall is left out: it needs gold passages, and a short reference answer
    # against a 300-token chunk never reaches its similarity threshold, so it read 0.0 on every question)
    pairs = {
        "id_context_precision": legacy._IDBasedContextPrecision(),
        "id_context_recall": legacy._IDBasedContextRecall(),
    }
    for name, metric in pairs.items():
        out[name] = await _safe(name, metric.single_turn_ascore(st))
    if sample.reference:
        answer = sample.answer or "-"
        out["answer_string_similarity"] = await _safe(
            "answer_string_similarity",
            _value(collections.NonLLMStringSimilarity().ascore(reference=reference, response=answer)),
        )
        out["answer_rouge_l"] = await _safe(
            "answer_rouge_l", _value(collections.RougeScore().ascore(reference=reference, response=answer))
        )
        out["answer_chrf"] = await _safe(
            "answer_chrf", _value(collections.CHRFScore().ascore(reference=reference, response=answer))
        )
    return {k: v for k, v in out.items() if not math.isnan(v)}


class _FnEmbeddings:
    """Adapter of a local embedding function to ragas' modern embedding interface (answer relevancy)."""

    def __new__(cls, fn: EmbedFn):  # noqa: ANN204 - subclass created lazily: ragas imports are slow
        from ragas.embeddings.base import BaseRagasEmbedding

        class _Impl(BaseRagasEmbedding):
            def embed_text(self, text: str, **kwargs: object) -> list[float]:
                return fn(text)

            async def aembed_text(self, text: str, **kwargs: object) -> list[float]:
                return fn(text)

        return _Impl()


async def _judged(sample: Sample, judge: JudgeConfig, embed: EmbedFn | None) -> dict[str, float]:
    from openai import AsyncOpenAI
    from ragas.llms import llm_factory

    _, collections, _ = _quiet_import()
    client = AsyncOpenAI(
        base_url=judge.base_url or None,
        timeout=judge.timeout_s,
        max_retries=1,
        api_key=judge.api_key.get_secret_value() if judge.api_key else "unused",
    )
    try:
        llm = llm_factory(judge.model, provider="openai", client=client)
        contexts = sample.contexts or ["(no context retrieved)"]
        jobs = {
            "faithfulness": collections.Faithfulness(llm=llm).ascore(
                user_input=sample.question, response=sample.answer, retrieved_contexts=contexts
            )
        }
        if sample.reference:
            jobs["llm_context_precision"] = collections.ContextPrecisionWithReference(llm=llm).ascore(
                user_input=sample.question, reference=sample.reference, retrieved_contexts=contexts
            )
            jobs["llm_context_recall"] = collections.ContextRecall(llm=llm).ascore(
                user_input=sample.question, retrieved_contexts=contexts, reference=sample.reference
            )
        if embed is not None:
            jobs["answer_relevancy"] = collections.AnswerRelevancy(
                llm=llm, embeddings=_FnEmbeddings(embed)
            ).ascore(user_input=sample.question, response=sample.answer)
        out = {name: await _safe(name, _value(job)) for name, job in jobs.items()}
    finally:
        await client.close()
    return {k: v for k, v in out.items() if not math.isnan(v)}


async def _value(awaitable) -> float:  # noqa: ANN001 - a MetricResult coroutine
    result = await awaitable
    return float(getattr(result, "value", result))


async def _safe(name: str, awaitable) -> float:  # noqa: ANN001
    """One failing metric must not lose the others: NaN (dropped) and a warning."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return round(float(await awaitable), 4)
    except Exception as exc:
        log.warning("ragas metric %s failed: %s", name, exc)
        return math.nan


def score_sample(
    sample: Sample, *, judge: JudgeConfig | None = None, embed: EmbedFn | None = None
) -> dict[str, float]:
    """All metrics for one answered question; runs its own event loop (call from sync code)."""

    async def run() -> dict[str, float]:
        out = await _non_llm(sample)
        if judge is not None and sample.answer:
            out |= await _judged(sample, judge, embed)
        return out

    return asyncio.run(run())
