"""Run a QA set through the same retrieval + chat path the service uses; log one MLflow run."""

from __future__ import annotations

import asyncio
import logging
import time

from auskunft.chat import ChatRequest
from auskunft.chat.factory import build_runtime
from auskunft.config import Settings
from auskunft.evaluation import metrics as M
from auskunft.evaluation.datasets import QAItem, load_qa, resolve_dataset
from auskunft.evaluation.ragas_metrics import EmbedFn, JudgeConfig, Sample, score_sample
from auskunft.evaluation.report import EvalResult
from auskunft.index.vectorstore import VectorStore

log = logging.getLogger(__name__)


def _keys(url: str, page: int | None) -> tuple[str, str]:
    return url, f"{url}#page={page}" if page else url


def evaluate(
    settings: Settings,
    *,
    index: str = "live",
    dataset: str = "demo-site",
    log_mlflow: bool = True,
    mode: str | None = None,
    client: VectorStore | None = None,
) -> EvalResult:
    """`index`: 'live' or a version number; `client`: an open vector store to reuse (e.g. the writer's)."""
    items = load_qa(dataset)
    # in-process stores: evaluation must neither read nor fill the service's answer cache (Redis)
    runtime = build_runtime(
        settings.model_copy(update={"redis_url": ""}),
        collection=None if index in ("", "live") else _collection(settings, index),
        mode=mode,
        client=client,
        events=False,  # evaluation traffic is not visitor traffic: keep it out of the chat event log
    )
    judge = judge_config(settings)
    try:
        engine = runtime.engine
        searched = engine.config.index_version if index not in ("", "live") else settings.kb_name
        version = runtime.manager.live() if searched == settings.kb_name else None
        index_name = version.collection if version else searched
        embedder = engine.retriever.embedder
        embed = embedder.embed_query if judge is not None and embedder is not None else None
        rows = []
        for n, item in enumerate(items, 1):
            rows.append(_evaluate_item(engine, item, judge, embed))
            log.info("eval %s on %s: %d/%d", dataset, index_name, n, len(items))
        cfg = next((v.config for v in runtime.manager.list_versions() if v.collection == index_name), None)
    finally:
        runtime.close()
    answerable = [r for r in rows if r["answerable"]]
    agg = M.mean([r["scores"] for r in answerable])
    agg["no_answer_accuracy"] = round(
        sum(1 for r in rows if not r["answerable"] and not r["found"])
        / max(1, sum(1 for r in rows if not r["answerable"])),
        4,
    )
    agg |= M.answer_outcomes(rows)
    agg["latency_p50_ms"] = round(M.percentile([r["latency_ms"] for r in rows], 50), 1)
    agg["latency_p95_ms"] = round(M.percentile([r["latency_ms"] for r in rows], 95), 1)
    params = {
        "index": index_name,
        "dataset": str(resolve_dataset(dataset).name),
        "retrieval_mode": mode or settings.retrieval_mode,
        "top_k": str(settings.retrieval_top_k),
        "prefetch_k": str(settings.retrieval_prefetch_k),
        "llm": settings.llm_model or "none (extractive)",
        "judge": settings.eval_judge_model or "none",
    }
    if cfg is not None:
        params |= {
            "embedding": f"{cfg.embedding_backend}:{cfg.embedding_model}",
            "chunk_max_tokens": str(cfg.chunk_max_tokens),
            "chunk_overlap_tokens": str(cfg.chunk_overlap_tokens),
            "sparse": cfg.sparse_model if cfg.sparse else "none",
        }
    result = EvalResult(
        run_id=None, index=index_name, dataset=params["dataset"], metrics=agg, rows=rows, params=params
    )
    if log_mlflow:
        from auskunft.evaluation.tracking import log_run

        result.run_id = log_run(settings, result)
    return result


def judge_config(settings: Settings) -> JudgeConfig | None:
    """The Ragas judge from EVAL_JUDGE_* (base URL and key fall back to the OpenAI settings); None: no judge."""
    if not settings.eval_judge_model:
        return None
    return JudgeConfig(
        model=settings.eval_judge_model,
        base_url=settings.eval_judge_base_url or settings.openai_base_url,
        api_key=settings.eval_judge_api_key or settings.openai_api_key,
    )


def _collection(settings: Settings, ref: str) -> str:
    return f"{settings.kb_name}__v{int(ref.lstrip('v'))}"


def _evaluate_item(engine, item: QAItem, judge: JudgeConfig | None, embed: EmbedFn | None) -> dict:  # noqa: ANN001
    t0 = time.perf_counter()
    hits = engine.search(item.question)
    retrieval_ms = (time.perf_counter() - t0) * 1000
    answer = asyncio.run(engine.answer(ChatRequest(message=item.question, lang=item.language)))
    latency_ms = (time.perf_counter() - t0) * 1000
    # a hit that folded copies of its text (retrieval.refine) retrieves each copy's URL too: its citation names them
    gold_urls = set(item.gold_urls)
    url_ranked = [
        next((u for u in (h.chunk.url, *(a.split("#")[0] for a in h.also)) if u in gold_urls), h.chunk.url)
        for h in hits
    ]
    page_ranked = [_keys(h.chunk.url, h.chunk.page)[1] for h in hits]
    scores: dict[str, float] = {}
    if item.answerable:
        scores = M.retrieval_scores(url_ranked, set(item.gold_urls))
        if item.gold_pages:
            gold = {_keys(g.url, g.page)[1] for g in item.gold_pages}
            scores |= {
                f"page_{k}": v
                for k, v in M.retrieval_scores(page_ranked, gold, ks=(1, 5)).items()
                if k in ("hit@1", "hit@5", "mrr")
            }
        cited = {u.split("#")[0] for c in answer.citations for u in (c.url, *c.also)}
        scores["citation_hit"] = 1.0 if cited & set(item.gold_urls) else 0.0
        scores["answered"] = 1.0 if answer.found else 0.0
        # keywords of the reference found in what the visitor is shown (confident or closest passages)
        scores["keyword_recall"] = (
            M.keyword_recall(answer.answer, M.reference_keywords(item.model_dump()))
            if answer.outcome != "none"
            else 0.0
        )
        sample = Sample(
            question=item.question,
            answer=answer.answer,
            contexts=[h.chunk.text for h in hits],
            context_ids=url_ranked,
            reference=item.reference_answer,
            reference_ids=item.gold_urls,
        )
        scores |= score_sample(sample, judge=judge, embed=embed)
    return {
        "id": item.id,
        "question": item.question,
        "answerable": item.answerable,
        "found": answer.found,
        "outcome": answer.outcome,
        "answer": answer.answer,
        "reference": item.reference_answer,
        "contexts": [h.chunk.text for h in hits],
        "retrieved": url_ranked,
        "gold": item.gold_urls,
        "scores": scores,
        "latency_ms": round(latency_ms, 1),
        "retrieval_ms": round(retrieval_ms, 1),
    }
