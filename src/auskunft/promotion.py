"""Promotion: the step after indexing that lets a freshly built index version go live.

The index step (auskunft.pipeline.index) builds a new version `<kb>__v<N>` when there is none yet or the
index configuration changed, and leaves it unpromoted; this step switches the alias to it: at once for the
first version or without EVAL_GATE_DATASET, else only if the evaluation gate passes (no gate metric
regresses beyond EVAL_GATE_TOLERANCE against the live version). An incremental run wrote into the live
version and has nothing to promote.

It sits above ingestion (pipeline) and evaluation (which builds the chat engine), so ingestion never depends
on the chat stack. A run killed between indexing and promotion is resumed: its index step finds the version
it was building and this step promotes it then.

Before promoting, the version's sentence vectors for the offline answer are brought up to date
(SENTENCE_VECTORS; `auskunft.chat.extractive.semantic.precompute_sentences`: they need the answer's sentence
split, which is chat's), so a version goes live with them; stores of deleted versions are removed.
"""

from __future__ import annotations

import logging
from pathlib import Path

from pydantic import BaseModel

from auskunft.config import Settings
from auskunft.index.sentence_store import SentenceVectorsReport
from auskunft.pipeline.index import IndexReport, index_target_from_settings, load_index_report
from auskunft.pipeline.runs import write_json

log = logging.getLogger(__name__)

PROMOTION_REPORT = "promotion_report.json"


class PromotionReport(BaseModel):
    version: int
    new_version: bool  # the index step built a new version (else it updated the live one in place)
    promoted: bool  # this step made the version live
    reason: str  # why it was or was not promoted
    sentence_vectors: SentenceVectorsReport | None = None  # None: SENTENCE_VECTORS off (or auto with an LLM)


def promote_step(settings: Settings, run_dir: Path) -> PromotionReport:
    """Promote the version the run's index step built (its index_report.json), through the gate."""
    report = load_index_report(run_dir)
    sentences = sentence_vectors_step(settings, report) if settings.sentence_vectors_enabled else None
    if report.new_version:
        promoted, reason = promote_version(settings, report.version)
    else:
        promoted, reason = False, "incremental update of the live version: nothing to promote"
    result = PromotionReport(
        version=report.version,
        new_version=report.new_version,
        promoted=promoted,
        reason=reason,
        sentence_vectors=sentences,
    )
    write_json(run_dir / PROMOTION_REPORT, result)
    log.info("promote %s v%d: %s", report.source, report.version, reason)
    return result


def promote_version(settings: Settings, version: int) -> tuple[bool, str]:
    """(promoted, reason) for a built, not yet live version of the knowledge base."""
    from auskunft.index import IndexManager, open_store

    target = index_target_from_settings(settings)
    client = open_store(target.qdrant_url, target.qdrant_path, target.qdrant_api_key)
    try:
        manager = IndexManager(client, target.kb)
        live = manager.live()
        if live is not None and live.version == version:  # promoted by an earlier attempt of the run
            return True, "already live"
        if live is None:
            manager.promote(version)
            return True, "first version: promoted"
        if not settings.eval_gate_dataset:
            manager.promote(version)
            return True, "no EVAL_GATE_DATASET configured: promoted without gate"
        from auskunft.evaluation.gate import evaluate_and_promote

        decision = evaluate_and_promote(settings, manager, candidate=version, baseline=live.version)
        return decision.passed, "; ".join(decision.reasons) or "gate passed"
    finally:
        client.close()


def sentence_vectors_step(settings: Settings, report: IndexReport) -> SentenceVectorsReport:
    """Precompute the sentence vectors of the version the index step wrote (with the embedder the version was
    built with; only new sentences after an incremental run) and remove those of versions deleted since."""
    from auskunft.chat.extractive.semantic import precompute_sentences
    from auskunft.chat.extractive.sentences import SPLIT_VERSION
    from auskunft.index import IndexManager, build_embedder, open_store
    from auskunft.index.sentence_store import prune_stores, read_info

    root = settings.sentence_vectors_dir
    info = read_info(root / report.collection)
    unchanged = not report.new_version and not (report.chunks_upserted or report.chunks_deleted)
    # a store without hubness gets it once; one made by an older sentence split (or a part a killed run left)
    # is brought up to date, reusing the vectors of the sentences that stayed
    if info is not None and info.priors and info.split == SPLIT_VERSION and unchanged:
        return SentenceVectorsReport(collection=report.collection, sentences=info.count)  # nothing changed
    target = index_target_from_settings(settings)
    client = open_store(target.qdrant_url, target.qdrant_path, target.qdrant_api_key, read_only=True)
    try:
        manager = IndexManager(client, target.kb)
        versions = manager.list_versions()
        version = next(v for v in versions if v.collection == report.collection)
        embedder = build_embedder(
            version.config.embedding_backend,
            version.config.embedding_model,
            base_url=target.embedding_base_url,
            api_key=target.embedding_api_key,
            dim=target.embedding_dim,
        )
        result = precompute_sentences(client, report.collection, embedder, root / report.collection)
        prune_stores(root, target.kb, [v.collection for v in versions])
    finally:
        client.close()
    return result
