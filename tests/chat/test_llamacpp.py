"""End to end with a real local LLM: llama.cpp's OpenAI-compatible server with SmolLM2-135M.

SmolLM2 is tiny and weak in German: this asserts the wiring (tokens stream, done arrives, citations are a
subset of the given sources), not the wording.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from auskunft.chat.config import ChatConfig
from auskunft.chat.engine import ChatEngine
from auskunft.chat.llm import LLMClient
from auskunft.chat.schemas import ChatRequest
from auskunft.stores import build_stores
from auskunft.testing.chat import KeywordRetriever, make_nodes
from tests.support.llamacpp import MODEL, llamacpp_server

pytestmark = pytest.mark.llm


@pytest.fixture(scope="module")
def llamacpp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with llamacpp_server(log_path=tmp_path_factory.mktemp("llamacpp") / "server.log") as base_url:
        yield base_url


@pytest.mark.asyncio
async def test_streaming_answer_from_llamacpp(llamacpp: str) -> None:
    memory, cache, _, _ = build_stores("", session_ttl_s=60, cache_ttl_s=60, max_turns=4)
    llm = LLMClient(
        model=MODEL,
        base_url=llamacpp,
        max_tokens=96,
        temperature=0.0,
        timeout_s=120,
        first_token_timeout_s=90,
    )
    engine = ChatEngine(KeywordRetriever(make_nodes()), llm, memory, cache, ChatConfig(index_version="t"))
    try:
        engine.start()
        assert await llm.ping()
        t0 = time.monotonic()
        events = [
            ev
            async for ev in engine.stream(
                ChatRequest(message="When does the registration for the Jugendpokal end?")
            )
        ]
        kinds = [e.event for e in events]
        assert kinds[0] == "meta" and kinds[1] == "sources" and kinds[-1] == "done", kinds
        tokens = [e.data["text"] for e in events if e.event == "token"]
        assert len(tokens) >= 3, tokens  # streamed incrementally
        done = events[-1].data
        assert done["mode"] == "llm" and done["notice"] is None and done["answer"].strip()
        given = {s["n"] for s in events[1].data["sources"]}
        assert {c["n"] for c in done["citations"]} <= given
        assert (
            done["timings"]["first_token_ms"]
            < done["timings"]["total_ms"]
            < (time.monotonic() - t0) * 1000 + 1
        )
    finally:
        await engine.aclose()
