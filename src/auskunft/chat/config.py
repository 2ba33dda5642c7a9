"""What the chat engine is configured with: one typed object, built once from `Settings` (the factory) or
directly (tests, benches). Nothing about the engine's behaviour is set on it after construction."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import BaseModel, Field

from auskunft.config import Settings
from auskunft.retrieval.search import Mode


class ChatConfig(BaseModel):
    index_version: str  # the collection answered from at start (the live alias may move on later)
    top_k: int = 6  # passages an answer sees (after reranking when there is a reranker)
    mode: Mode = "hybrid"
    prefetch_k: int = 40
    score_threshold: float = 0.0
    max_history_turns: int = 6
    retrieval_timeout_s: float = 10.0
    store_timeout_s: float = 2.0
    store_backoff_s: float = 10.0
    rewrite_timeout_s: float = 5.0
    version_refresh_s: float = 30.0
    link_hosts: list[str] = Field(default_factory=list)  # hosts links in generated answers may point at
    feedback_ttl_s: int = 86_400

    @classmethod
    def from_settings(cls, settings: Settings, *, index_version: str, mode: Mode | None = None) -> ChatConfig:
        return cls(
            index_version=index_version,
            top_k=settings.retrieval_top_k,
            mode=mode or settings.retrieval_mode,
            prefetch_k=settings.retrieval_prefetch_k,
            score_threshold=settings.retrieval_score_threshold,
            max_history_turns=settings.max_history_turns,
            version_refresh_s=2.0,  # an alias switch or re-crawl reaches the answer cache within seconds
            link_hosts=link_hosts(settings),
            feedback_ttl_s=settings.feedback_ttl_s,
        )


def link_hosts(settings: Settings) -> list[str]:
    """Hosts links in generated answers may point at: the website's own and ANSWER_LINK_HOSTS."""
    hosts = [urlsplit(o).netloc for o in settings.allowed_origins]
    return [h for h in [*hosts, *settings.answer_link_hosts.split(",")] if h.strip()]
