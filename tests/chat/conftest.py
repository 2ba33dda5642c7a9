"""Chat fixtures: the scripted fake LLM and a small in-memory retriever over real TextNodes (the engine factory
`make_engine` and the live index `qdrant` are shared with other folders: tests/support/chat_fixtures.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from auskunft.testing.chat import KeywordRetriever, make_nodes
from tests.support.fake_llm import FakeLLM, fake_llm


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with fake_llm() as llm:
        yield llm


@pytest.fixture
def retriever() -> KeywordRetriever:
    return KeywordRetriever(make_nodes())
