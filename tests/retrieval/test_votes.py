"""The votes on the fused candidates' order (auskunft.retrieval.votes) and the hubness they read
(auskunft.index.hubness), on a real sentence store written the way the index step writes it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from auskunft.chat.extractive.semantic import candidate_sentences
from auskunft.index.hubness import hubness
from auskunft.index.sentence_store import SentenceStore, chunk_key, sentence_key, write_store
from auskunft.models import RetrievedChunk
from auskunft.retrieval.votes import CandidateVotes, VoteParams, carries_year, question_years
from tests.retrieval.test_refine import hit

DIM = 8
Q = np.eye(DIM, dtype=np.float32)[0]  # the question's direction


def unit(*weights: float) -> np.ndarray:
    v = np.zeros(DIM, dtype=np.float32)
    v[: len(weights)] = weights
    return v / np.linalg.norm(v)


def candidate(url: str, text: str, rank: int, cosine: float) -> RetrievedChunk:
    h = hit(url, text, 1.0 / (rank + 2))
    h.rank = rank + 1
    h.dense_score = cosine
    return h


def store_of(tmp_path: Path, sentences: dict[str, np.ndarray], priors: dict[str, float]) -> SentenceStore:
    keys = [sentence_key(s) for s in sentences]
    write_store(
        tmp_path / "kb__v1",
        keys,
        np.stack(list(sentences.values())),
        model="m",
        priors={chunk_key(c): v for c, v in priors.items()},
    )
    store = SentenceStore.open(tmp_path / "kb__v1")
    assert store is not None
    return store


HUB = "Aktuelles aus dem Verein. Termine, Berichte und Stellenangebote im Überblick."
ANSWER = (
    "Der Jahresbeitrag beträgt 10 Euro. Studierende zahlen nichts. Die Satzung regelt die Mitgliedschaft."
)


def two_candidates(tmp_path: Path, hub_prior: float) -> tuple[list[RetrievedChunk], SentenceStore]:
    hub = candidate("https://v.example/archiv/seite29/", HUB, 0, 0.60)
    answer = candidate("https://v.example/gebuehrenordnung.pdf", ANSWER, 1, 0.58)
    vectors = {s: unit(0.3, 1.0) for s in candidate_sentences(HUB)}
    vectors |= {s: unit(0.2, 1.0, 0.5) for s in candidate_sentences(ANSWER)}
    vectors["Der Jahresbeitrag beträgt 10 Euro."] = unit(1.0, 0.2)  # the sentence that answers
    store = store_of(tmp_path, vectors, {hub.chunk.chunk_id: hub_prior, answer.chunk.chunk_id: 0.85})
    return [hub, answer], store


def test_the_answering_sentence_lifts_its_passage_over_a_hub(tmp_path: Path) -> None:
    hits, store = two_candidates(tmp_path, hub_prior=0.95)
    votes = CandidateVotes(lambda: store, candidate_sentences)
    out = votes.reorder("Wie hoch ist der Jahresbeitrag?", Q, list(hits))
    assert [h.chunk.url for h in out] == [hits[1].chunk.url, hits[0].chunk.url]
    assert [h.rank for h in out] == [1, 2]


def test_each_vote_on_its_own(tmp_path: Path) -> None:
    hits, store = two_candidates(tmp_path, hub_prior=0.95)
    question = "Wie hoch ist der Jahresbeitrag?"

    def first(**weights: float) -> str:
        params = VoteParams(**{"sentence": 0.0, "hub": 0.0, "year_boost": 0.0, **weights})  # type: ignore[arg-type]
        return (
            CandidateVotes(lambda: store, candidate_sentences, params)
            .reorder(question, Q, list(hits))[0]
            .chunk.url
        )

    hub_url, answer_url = hits[0].chunk.url, hits[1].chunk.url
    assert first() == hub_url  # no votes: the fused order
    assert first(sentence=2.0) == answer_url  # its best sentence is the closest one
    assert first(hub=2.0) == answer_url  # 0.58 - 0.85 beats 0.60 - 0.95
    # a passage that is no hub keeps its place: the corrected cosine agrees with the plain one
    hits2, store2 = two_candidates(tmp_path / "plain", hub_prior=0.80)
    params = VoteParams(sentence=0.0, hub=2.0, year_boost=0.0)
    out = CandidateVotes(lambda: store2, candidate_sentences, params).reorder(question, Q, hits2)
    assert out[0].chunk.url == hub_url


def test_a_year_the_question_names(tmp_path: Path) -> None:
    old = candidate(
        "https://v.example/soak.html", "Die Sommerakademie 2023 findet in Bad Honnef statt.", 0, 0.9
    )
    named = candidate(
        "https://v.example/dokumente/soak19_anmeldung.pdf", "Anmeldung zur Sommerakademie.", 1, 0.88
    )
    store = store_of(tmp_path, {"x": unit(1.0)}, {})
    params = VoteParams(sentence=0.0, hub=0.0)
    votes = CandidateVotes(lambda: store, candidate_sentences, params)
    out = votes.reorder("Was hat die Sommerakademie 2019 gekostet?", Q, [old, named])
    assert out[0] is named  # the file name abbreviates the year
    assert votes.reorder("Was kostet die Sommerakademie?", Q, [old, named])[0] is old
    assert question_years("Protokoll 2019, Satzung von 1987, Konto 120190") == {"2019", "1987"}
    assert not carries_year(candidate("https://v.example/p/120190.html", "Text", 0, 0.5), {"2019"})


def test_without_a_store_the_fused_order_stands(tmp_path: Path) -> None:
    hits, _ = two_candidates(tmp_path, hub_prior=0.95)
    out = CandidateVotes(lambda: None, candidate_sentences).reorder(
        "Wie hoch ist der Jahresbeitrag?", Q, hits
    )
    assert out == hits


def test_hubness_is_closeness_to_other_documents() -> None:
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(4, 32))
    rows, docs = [], []
    for c, centre in enumerate(centres):
        for _ in range(6):
            rows.append(centre + 0.3 * rng.normal(size=32))
            docs.append(f"doc{c}")  # one document per topic: its passages are each other's neighbours only
    rows.append(centres.sum(axis=0))  # close to every cluster: a hub
    docs.append("archive")
    values = hubness(np.stack(rows), docs, k=5)
    assert int(np.argmax(values)) == len(rows) - 1
    # neighbours of the passage's own document do not count: twins inside one document are no hubs
    twins = np.stack([np.ones(4), np.ones(4), np.eye(4)[0], np.eye(4)[1]])
    alone = hubness(twins, ["a", "a", "b", "c"], k=1)
    assert alone[0] < 0.99 and alone[1] < 0.99
    # the sampled path (large versions) agrees with the exact one on which passage is the hub
    sampled = hubness(np.stack(rows), docs, k=5, max_exact=15)
    assert int(np.argmax(sampled)) == len(rows) - 1


def test_priors_are_stored_with_the_sentences(tmp_path: Path) -> None:
    store = store_of(tmp_path, {"Ein Satz.": unit(1.0)}, {"c1": 0.9, "c2": 0.8})
    found, values = store.priors([chunk_key("c2"), chunk_key("c3"), chunk_key("c1")])
    assert found.tolist() == [True, False, True]
    assert np.allclose(values, [0.8, 0.0, 0.9])
    assert chunk_key("Ein Satz.") != sentence_key("Ein Satz.")
    assert store.info.priors == 2
