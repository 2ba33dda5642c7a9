"""Chat fixtures: the scripted fake LLM, a small in-memory retriever over real TextNodes, engine factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
import pytest_asyncio

from auskunft.chat.config import ChatConfig
from auskunft.chat.engine import ChatEngine
from auskunft.chat.llm import LLMClient
from auskunft.events import EventLog
from auskunft.retrieval import Retriever
from auskunft.stores import build_stores
from auskunft.testing.chat import INJECTION, KeywordRetriever, make_nodes
from auskunft.testing.chat import PASSAGES as DOCS
from tests.support.fake_llm import FakeLLM, fake_llm

__all__ = ["DOCS", "INJECTION", "KeywordRetriever", "make_nodes"]  # used by other test modules


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with fake_llm() as llm:
        yield llm


@pytest.fixture
def retriever() -> KeywordRetriever:
    return KeywordRetriever(make_nodes())


@pytest_asyncio.fixture
async def make_engine(tmp_path: Any) -> AsyncIterator[Callable[..., ChatEngine]]:
    """Factory: ChatEngine over the keyword retriever; `llm_url` set -> LLM mode; `redis_url` -> Redis stores;
    other keywords are `ChatConfig` fields."""
    made: list[ChatEngine] = []

    def make(
        retriever: Retriever | None = None,
        *,
        llm_url: str | None = None,
        redis_url: str = "",
        first_token_timeout_s: float = 2.0,
        timeout_s: float = 4.0,
        gate: Any = None,
        extractive: Any = None,
        **kwargs: Any,
    ) -> ChatEngine:
        memory, cache, _, _ = build_stores(redis_url, session_ttl_s=60, cache_ttl_s=60, max_turns=4)
        llm = (
            LLMClient(
                model="fake-model",
                base_url=llm_url,
                first_token_timeout_s=first_token_timeout_s,
                timeout_s=timeout_s,
            )
            if llm_url
            else None
        )
        engine = ChatEngine(
            retriever or KeywordRetriever(make_nodes()),
            llm,
            memory,
            cache,
            ChatConfig(index_version="test__v1", **kwargs),
            events=EventLog(tmp_path / "events"),
            gate=gate,
            extractive=extractive,
        )
        made.append(engine)
        return engine

    yield make
    for engine in made:
        await engine.aclose()
