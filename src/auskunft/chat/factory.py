"""Build the chat engine from settings (service, CLI and evaluation use the same path)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from auskunft.chat.admission import WorkGate
from auskunft.chat.config import ChatConfig
from auskunft.chat.engine import ChatEngine
from auskunft.chat.engine_base import CuratedLookup
from auskunft.chat.extractive import ExtractiveAnswerer
from auskunft.chat.extractive.semantic import candidate_sentences
from auskunft.chat.llm import LLMClient
from auskunft.config import Settings
from auskunft.events import EventLog
from auskunft.index import Bm25Encoder, Embedder, IndexManager, VectorStore, build_embedder, open_store
from auskunft.index.sentence_store import SentenceStores
from auskunft.retrieval import HybridSearcher, Retriever
from auskunft.retrieval.rerank import HttpReranker, RerankingRetriever
from auskunft.retrieval.votes import CandidateVotes
from auskunft.stores import build_stores

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    engine: ChatEngine
    client: VectorStore
    manager: IndexManager
    limiter: object
    redis: object | None
    llm: LLMClient | None
    owns_client: bool = True

    def close(self) -> None:
        self.engine.close()
        if self.owns_client:
            self.client.close()

    async def aclose(self) -> None:
        """Close the LLM client and Redis connections too (call from the event loop that used them)."""
        await self.engine.aclose()
        self.close()


def _secret(v) -> str | None:  # noqa: ANN001
    return v.get_secret_value() if v is not None else None


def build_llm(settings: Settings) -> LLMClient | None:
    if not settings.llm_model:
        return None
    return LLMClient(
        model=settings.llm_model,
        base_url=settings.openai_base_url,
        api_key=_secret(settings.openai_api_key),
        temperature=settings.llm_temperature,
        max_tokens=settings.llm_max_tokens,
        timeout_s=settings.llm_timeout_s,
        first_token_timeout_s=settings.llm_first_token_timeout_s,
    )


def build_reranker(settings: Settings) -> HttpReranker | None:
    if not settings.rerank_url:
        return None
    return HttpReranker(
        settings.rerank_url,
        model=settings.rerank_model,
        api=settings.rerank_api,
        api_key=_secret(settings.rerank_api_key),
        timeout_s=settings.rerank_timeout_s,
    )


def _extractive(embedder: Embedder, stores: SentenceStores | None) -> ExtractiveAnswerer:
    """Answer sentences chosen by meaning + keywords; their vectors from the searched version's precomputed
    store (SENTENCE_VECTORS) where it has them."""
    answerer = ExtractiveAnswerer(embedder)
    if answerer.vectors is not None:
        answerer.vectors.store = stores
    return answerer


def build_runtime(
    settings: Settings,
    *,
    collection: str | None = None,
    mode: str | None = None,
    client: VectorStore | None = None,
    events: bool = True,
    gate: WorkGate | None = None,
    curated: Callable[[Embedder | None], CuratedLookup | None] | None = None,
) -> Runtime:
    """`client`: reuse an open vector store; it is not closed. `events=False`: answers are not logged as
    visitor traffic (evaluation, benches). `gate`: the search admission gate (the service sizes it).
    `curated`: given the retriever's query embedder, the curated-answer lookup (the service's console)."""
    owns = client is None
    if client is None:
        client = open_store(
            settings.qdrant_url, settings.qdrant_path, _secret(settings.qdrant_api_key), read_only=True
        )
    manager = IndexManager(client, settings.kb_name)
    target = collection or settings.kb_name
    live = manager.live() if collection is None else None
    backend: str = settings.embedding_backend
    model = settings.embedding_model
    if live is not None and (live.config.embedding_backend, live.config.embedding_model) != (backend, model):
        # queries must be embedded like the live index was, whatever the settings say now
        log.warning(
            "live index %s was built with %s:%s, settings say %s:%s; using the index's embedder",
            live.collection,
            live.config.embedding_backend,
            live.config.embedding_model,
            backend,
            model,
        )
        backend, model = live.config.embedding_backend, live.config.embedding_model
    embedder = build_embedder(
        backend,
        model,
        base_url=settings.embedding_base_url or settings.openai_base_url,
        api_key=_secret(settings.embedding_api_key) or _secret(settings.openai_api_key),
        dim=settings.embedding_dim,
    )
    # BM25 terms as the index was built (its sparse_model names the analyzer), whatever the settings say
    built = live or next((v for v in manager.list_versions() if v.collection == target), None)
    sparse = (
        Bm25Encoder.for_model(built.config.sparse_model)
        if built is not None
        else Bm25Encoder(analyzer=settings.sparse_analyzer)
    )
    # the searched version's sentence vectors and hubness (SENTENCE_VECTORS): the votes on the candidates'
    # order and the offline answer read them
    stores = (
        SentenceStores(
            settings.sentence_vectors_dir, lambda: client.get_alias(target) or target, model=embedder.name
        )
        if settings.sentence_vectors != "off"
        else None
    )
    votes = (
        CandidateVotes(stores.current, candidate_sentences)
        if stores is not None and settings.rank_votes
        else None
    )
    retriever: Retriever = HybridSearcher(client, target, embedder, sparse, votes=votes)
    reranker = build_reranker(settings)
    if reranker is not None:  # the reranker orders more candidates; the best top_k reach the answer
        retriever = RerankingRetriever(retriever, reranker, candidates=settings.rerank_candidates)
    memory, cache, limiter, redis = build_stores(
        settings.redis_url,
        session_ttl_s=settings.session_ttl_s,
        cache_ttl_s=settings.answer_cache_ttl_s,
        max_turns=settings.max_history_turns,
        state_path=settings.data_dir / "state.db",  # shared by the service processes when there is no Redis
    )
    version = live.collection if live else target
    llm = build_llm(settings)

    def live_version() -> str | None:
        """The collection behind the alias and the revision searched (cheap: no point counts)."""
        name = client.get_alias(settings.kb_name)
        if name is None:
            return None
        return f"{name}#{client.revision(settings.kb_name)}"

    engine = ChatEngine(
        retriever,
        llm,
        memory,
        cache,
        ChatConfig.from_settings(settings, index_version=version, mode=mode),  # type: ignore[arg-type]
        events=EventLog(settings.events_dir) if events else None,
        version_resolver=live_version if collection is None else None,
        gate=gate,
        extractive=_extractive(embedder, stores),
        curated=curated(retriever.embedder) if curated is not None else None,
        on_close=[reranker.close] if reranker is not None else None,
    )
    return Runtime(
        engine=engine, client=client, manager=manager, limiter=limiter, redis=redis, llm=llm, owns_client=owns
    )


def build_engine(settings: Settings) -> ChatEngine:
    """The engine alone; `engine.close()` (or `await engine.aclose()`) releases the Qdrant client too."""
    runtime = build_runtime(settings)
    runtime.engine.on_close.append(runtime.client.close)
    return runtime.engine
