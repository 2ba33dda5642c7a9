"""Chat fixtures more than one test folder uses (registered for all tests by tests/conftest.py): `make_engine`,
a ChatEngine factory over the keyword retriever, and `qdrant`, the live index of `auskunft.testing.chat`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import pytest_asyncio

from auskunft.config import Settings

if TYPE_CHECKING:  # the chat stack loads llama-index (seconds): only when a test asks for these fixtures
    from auskunft.chat.engine import ChatEngine
    from auskunft.index import VectorStore
    from auskunft.retrieval import Retriever


def settings_for(data: Path, **kw: object) -> Settings:
    """Settings over the `qdrant` fixture's data folder and knowledge base."""
    from auskunft.testing.chat import KB

    return Settings(data_dir=data, kb_name=KB, retrieval_top_k=3, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def qdrant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[VectorStore, Path]]:
    from auskunft.testing.chat import build_live_index

    data = tmp_path_factory.mktemp("qdata")
    client = build_live_index(data)
    yield client, data
    client.close()


@pytest_asyncio.fixture
async def make_engine(tmp_path: Any) -> AsyncIterator[Callable[..., ChatEngine]]:
    """Factory: ChatEngine over the keyword retriever; `llm_url` set -> LLM mode; `redis_url` -> Redis stores;
    other keywords are `ChatConfig` fields."""
    from auskunft.chat.config import ChatConfig
    from auskunft.chat.engine import ChatEngine
    from auskunft.chat.llm import LLMClient
    from auskunft.events import EventLog
    from auskunft.stores import build_stores
    from auskunft.testing.chat import KeywordRetriever, make_nodes

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
