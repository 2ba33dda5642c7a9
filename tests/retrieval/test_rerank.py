"""The optional reranker against a scripted rerank server over real loopback HTTP: both request shapes,
fail-open on every kind of failure (logged once per outage, counted), and the reranked order reaching the
chat engine's sources and citations."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

import pytest

from auskunft.chat import ChatRequest
from auskunft.chat.factory import build_runtime
from auskunft.errors import ConfigError
from auskunft.models import Chunk, RetrievedChunk
from auskunft.retrieval.rerank import HttpReranker, RerankingRetriever, parse_scores, rerank_url
from auskunft.testing.chat import KeywordRetriever, make_nodes
from tests.support.chat_fixtures import settings_for
from tests.support.fake_rerank import FakeRerank, RerankBehaviour, fake_rerank


def hit(n: int, text: str, title: str = "") -> RetrievedChunk:
    chunk = Chunk(
        chunk_id=f"c{n}",
        doc_id=f"d{n}",
        url=f"https://v.example/{n}",
        title=title,
        source="web",
        crawled_at=datetime(2026, 1, 1, tzinfo=UTC),
        doc_sha256="0",
        ordinal=0,
        text=text,
    )
    return RetrievedChunk(chunk=chunk, score=1.0 / n, rank=n)


HITS = [
    hit(1, "Der Verband wurde 1987 gegründet."),
    hit(2, "Die Geschäftsstelle ist freitags geöffnet."),
    hit(
        3, "Freitags von 9 bis 13 Uhr ist die Geschäftsstelle geöffnet, sagt die Geschäftsstelle.", "Kontakt"
    ),
    hit(4, "Beiträge sind bis März fällig."),
]
QUERY = "Wann ist die Geschäftsstelle freitags geöffnet?"


@pytest.fixture
def srv():  # noqa: ANN201
    with fake_rerank() as fake:
        yield fake


def ids(hits: list[RetrievedChunk]) -> list[str]:
    return [h.chunk.chunk_id for h in hits]


def test_cohere_shape_reorders_and_sends_model_query_documents_top_n(srv: FakeRerank) -> None:
    rr = HttpReranker(srv.base_url + "/v1", model="bge-reranker-v2-m3", api_key="sekret")
    out = rr.rerank(QUERY, HITS, top_k=2)
    assert ids(out) == ["c3", "c2"] and [h.rank for h in out] == [1, 2]
    path, body = srv.requests[-1]
    assert path == "/v1/rerank"
    assert body["model"] == "bge-reranker-v2-m3" and body["query"] == QUERY and body["top_n"] == 2
    assert body["documents"][2].startswith("Kontakt\n")  # the title goes with the passage
    assert srv.headers[-1]["Authorization"] == "Bearer sekret"
    assert (rr.calls, rr.failures) == (1, 0)
    rr.close()


def test_tei_shape_sends_texts_and_reads_a_list(srv: FakeRerank) -> None:
    srv.default = RerankBehaviour(shape="tei")
    rr = HttpReranker(srv.base_url, api="tei")
    out = rr.rerank(QUERY, HITS, top_k=4)
    assert ids(out) == ["c3", "c2", "c4", "c1"]
    path, body = srv.requests[-1]
    assert path == "/rerank" and body["texts"][0] == HITS[0].chunk.text and body["truncate"] is True
    assert "documents" not in body and "model" not in body
    rr.close()


def test_a_top_n_answer_keeps_the_rest_in_retrieval_order(srv: FakeRerank) -> None:
    rr = HttpReranker(srv.base_url, model="m")
    # the server returns only top_n=2 results; asking for 3 fills up from the retrieval order
    srv.script(RerankBehaviour())
    out = rr.rerank(QUERY, HITS, top_k=3)
    assert ids(out)[:2] == ["c3", "c2"] and len(out) == 3 and ids(out)[2] in {"c1", "c4"}
    rr.close()


@pytest.mark.parametrize(
    "behaviour",
    [
        RerankBehaviour(kind="error", status=503),
        RerankBehaviour(kind="error", status=401),
        RerankBehaviour(kind="garbage"),
        RerankBehaviour(kind="bad_index"),
    ],
)
def test_failures_keep_the_retrieval_order(srv: FakeRerank, behaviour: RerankBehaviour) -> None:
    srv.script(behaviour)
    rr = HttpReranker(srv.base_url, model="m")
    out = rr.rerank(QUERY, HITS, top_k=3)
    assert ids(out) == ["c1", "c2", "c3"] and rr.failures == 1
    assert ids(rr.rerank(QUERY, HITS, top_k=3))[0] == "c3"  # the next call is reranked again
    rr.close()


def test_timeout_fails_open_within_the_timeout(srv: FakeRerank) -> None:
    srv.script(RerankBehaviour(delay_s=3.0))
    rr = HttpReranker(srv.base_url, model="m", timeout_s=0.3)
    t0 = time.monotonic()
    out = rr.rerank(QUERY, HITS, top_k=2)
    assert time.monotonic() - t0 < 2.0
    assert ids(out) == ["c1", "c2"] and rr.failures == 1
    rr.close()


def test_an_outage_is_logged_once_and_counted(srv: FakeRerank, caplog: pytest.LogCaptureFixture) -> None:
    rr = HttpReranker(srv.base_url, model="m")
    srv.script(*[RerankBehaviour(kind="error", status=502)] * 3)
    with caplog.at_level(logging.INFO, logger="auskunft.retrieval.rerank"):
        for _ in range(3):
            assert ids(rr.rerank(QUERY, HITS, top_k=2)) == ["c1", "c2"]
        assert ids(rr.rerank(QUERY, HITS, top_k=2)) == ["c3", "c2"]  # recovered
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "HTTPStatusError" in warnings[0].getMessage()
    assert any("answers again" in r.getMessage() for r in caplog.records if r.levelno == logging.INFO)
    assert (rr.calls, rr.failures) == (4, 3)
    rr.close()


def test_connection_refused_fails_open() -> None:
    with fake_rerank() as gone:
        url = gone.base_url
    rr = HttpReranker(url, model="m", timeout_s=1.0)
    assert ids(rr.rerank(QUERY, HITS, top_k=2)) == ["c1", "c2"] and rr.failures == 1
    rr.close()


def test_settings_errors_and_urls() -> None:
    with pytest.raises(ConfigError, match="RERANK_URL"):
        HttpReranker("", model="m")
    with pytest.raises(ConfigError, match="RERANK_MODEL"):
        HttpReranker("http://127.0.0.1:1", api="cohere")
    with pytest.raises(ConfigError, match="RERANK_API"):
        HttpReranker("http://127.0.0.1:1", model="m", api="openai")  # type: ignore[arg-type]
    assert rerank_url("http://h:8080/") == "http://h:8080/rerank"
    assert rerank_url("https://api.example/v2/rerank") == "https://api.example/v2/rerank"
    assert parse_scores({"data": [{"index": 1, "score": 0.2}, {"index": 0, "score": 0.9}]}, 2) == [
        (0, 0.9),
        (1, 0.2),
    ]
    with pytest.raises(ValueError):
        parse_scores({"results": [{"index": True, "relevance_score": 1}]}, 2)


@pytest.mark.asyncio
async def test_engine_answers_from_the_reranked_passages(srv: FakeRerank, make_engine) -> None:  # noqa: ANN001
    question = (
        "Bis wann ist der Beitrag für Schüler fällig und wann endet die Anmeldefrist für den Jugendpokal?"
    )
    inner = KeywordRetriever(make_nodes(), top_k=5)  # the candidates, as the factory's searcher gives more
    plain = [h.chunk.title for h in inner.search(question, top_k=5)]
    retriever = RerankingRetriever(inner, HttpReranker(srv.base_url, model="m"), candidates=5)
    engine = make_engine(retriever, top_k=2)
    answer = await engine.answer(ChatRequest(message=question))
    reranked = [h.chunk.title for h in retriever.search(question, top_k=2)]
    assert reranked != plain[:2]  # the reranker changed which passages the answer sees
    assert [c.title for c in answer.citations] and {c.title for c in answer.citations} <= set(reranked)
    assert srv.requests and srv.requests[0][1]["query"] == question
    srv.script(RerankBehaviour(kind="error", status=500))
    fallback = await engine.answer(ChatRequest(message=question + " "))  # reranker down: still an answer
    assert fallback.found and {c.title for c in fallback.citations} <= set(plain[:2])


@pytest.mark.asyncio
async def test_factory_wires_the_reranker_from_settings(qdrant, srv: FakeRerank) -> None:  # noqa: ANN001
    """RERANK_URL set: the service's engine (build_runtime over a real index) asks the reranker to order
    RERANK_CANDIDATES retrieved passages and keeps RETRIEVAL_TOP_K; unset: no reranker at all."""
    client, data = qdrant
    settings = settings_for(data, rerank_url=srv.base_url, rerank_model="bge-m3", rerank_candidates=5)
    rt = build_runtime(settings, client=client)
    try:
        assert isinstance(rt.engine.retriever, RerankingRetriever)
        answer = await rt.engine.answer(
            ChatRequest(message="Wann endet die Anmeldefrist für den Jugendpokal?")
        )
        assert answer.found and len(answer.contexts) <= 3
        path, body = srv.requests[-1]
        assert path == "/rerank" and body["model"] == "bge-m3" and body["top_n"] == 3
        assert 3 < len(body["documents"]) <= 5  # more candidates than the answer gets
    finally:
        rt.close()
    plain = build_runtime(settings_for(data), client=client)
    try:
        assert not isinstance(plain.engine.retriever, RerankingRetriever)
    finally:
        plain.close()
