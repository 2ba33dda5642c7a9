"""The OpenAI-compatible embedding server (compose's `embedder`) with auskunft's real OpenAI client."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator

import numpy as np
import pytest

from auskunft.index import OpenAIEmbedder, build_embedder
from auskunft.index.e5_engine import OnnxE5Embedder
from auskunft.index.embed_server import make_server


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, int]]:
    srv = make_server("127.0.0.1", 0, workers=2)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv.server_address[:2]  # type: ignore[misc]
    srv.shutdown()
    srv.server_close()


def _post(addr: tuple[str, int], body: bytes, path: str = "/v1/embeddings") -> tuple[int, dict]:
    conn = http.client.HTTPConnection(*addr, timeout=30)
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read())
    finally:
        conn.close()


def test_client_gets_the_local_engines_vectors(server: tuple[str, int]) -> None:
    """Through the server (e5 prefixes added by the client) = the local onnx embedder, bit for bit."""
    remote = build_embedder(
        "openai", "multilingual-e5-small-q4", base_url=f"http://{server[0]}:{server[1]}/v1"
    )
    assert isinstance(remote, OpenAIEmbedder)
    remote.start()
    assert remote.dim == 384
    local = OnnxE5Embedder(workers=1)
    texts = ["Die Halle ist montags geöffnet.", "Der Beitrag beträgt 120 Euro im Jahr.", "x" * 3000]
    assert np.array_equal(np.float32(remote.embed_passages(texts)), np.float32(local.embed_passages(texts)))
    q = "Wann ist die Halle offen?"
    assert np.array_equal(np.float32(remote.embed_query(q)), np.float32(local.embed_query(q)))


def test_unprefixed_input_follows_input_type(server: tuple[str, int]) -> None:
    local = OnnxE5Embedder(workers=1)
    status, body = _post(server, json.dumps({"model": "m", "input": "Hallo", "input_type": "query"}).encode())
    assert status == 200 and body["usage"]["prompt_tokens"] > 2
    assert np.allclose(body["data"][0]["embedding"], local.embed_query("Hallo"), atol=1e-6)
    status, body = _post(server, json.dumps({"input": ["Hallo", "passage: Hallo"]}).encode())
    assert status == 200 and [d["index"] for d in body["data"]] == [0, 1]
    assert body["data"][0]["embedding"] == body["data"][1]["embedding"]  # passage is the default


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "invalid JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"input": []}', "non-empty array of strings"),
        (b'{"input": [[101, 102]]}', "token arrays"),
        (b'{"input": "a", "input_type": "image"}', "unknown input_type"),
        (b'{"input": "a", "encoding_format": "int8"}', "unknown encoding_format"),
        (json.dumps({"input": ["a"] * 2049}).encode(), "at most 2048 inputs"),
    ],
)
def test_bad_requests_get_400_and_the_server_keeps_serving(
    server: tuple[str, int], body: bytes, message: str
) -> None:
    status, answer = _post(server, body)
    assert status == 400 and message in answer["error"]["message"]
    assert _post(server, b'{"input": "ok"}')[0] == 200


def test_health_models_and_unknown_routes(server: tuple[str, int]) -> None:
    conn = http.client.HTTPConnection(*server, timeout=10)
    conn.request("GET", "/health")
    resp = conn.getresponse()
    assert resp.status == 200 and json.loads(resp.read())["dim"] == 384
    conn.request("GET", "/v1/models")
    resp = conn.getresponse()
    assert json.loads(resp.read())["data"][0]["id"] == "multilingual-e5-small-q4"
    conn.close()
    assert _post(server, b"{}", path="/v1/chat/completions")[0] == 404
