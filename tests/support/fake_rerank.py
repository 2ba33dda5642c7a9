"""A scripted rerank server on 127.0.0.1 (a real HTTP server in a thread) for the reranker's tests.

    with fake_rerank() as srv:                    # srv.base_url == "http://127.0.0.1:PORT"
        srv.script(RerankBehaviour(kind="error", status=503), RerankBehaviour())   # next two requests
        ...
        srv.requests[-1]                          # (path, JSON body) the client sent

Behaviours (one per POST .../rerank, then `srv.default`):
- "answer": scores every document by how many query words it contains (ties: later documents first, so
  a reranked order differs from the input order); answers in the shape of `shape` ("cohere": {"results":
  [{"index", "relevance_score"}]} cut to top_n; "tei": [{"index", "score"}]).
- "error": HTTP `status` with a JSON error body.
- "garbage": 200 with a body that is not JSON; "bad_index": a result whose index is out of range.
- "hang": waits `delay_s` before answering (for timeouts); `delay_s` applies to every kind.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

_WORD = re.compile(r"\w+")


@dataclass
class RerankBehaviour:
    kind: Literal["answer", "error", "garbage", "bad_index"] = "answer"
    shape: Literal["cohere", "tei"] = "cohere"
    status: int = 500
    delay_s: float = 0.0


def word_scores(query: str, documents: list[str]) -> list[tuple[int, float]]:
    words = {w.lower() for w in _WORD.findall(query)}
    scored = []
    for i, doc in enumerate(documents):
        doc_words = {w.lower() for w in _WORD.findall(doc)}
        scored.append((i, len(words & doc_words) + i / 1000))  # ties: later documents first
    return sorted(scored, key=lambda p: -p[1])


class FakeRerank:
    def __init__(self) -> None:
        self.default = RerankBehaviour()
        self._script: deque[RerankBehaviour] = deque()
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def script(self, *behaviours: RerankBehaviour) -> None:
        with self._lock:
            self._script.extend(behaviours)

    def _next(self) -> RerankBehaviour:
        with self._lock:
            return self._script.popleft() if self._script else self.default

    def respond(self, body: dict[str, Any]) -> tuple[int, bytes]:
        b = self._next()
        if b.delay_s:
            time.sleep(b.delay_s)
        if b.kind == "error":
            return b.status, json.dumps({"error": {"message": "scripted failure"}}).encode()
        if b.kind == "garbage":
            return 200, b"<html>upstream gateway says hello</html>"
        documents = [str(d) for d in (body.get("documents") or body.get("texts") or [])]
        ranked = word_scores(str(body.get("query", "")), documents)
        if b.kind == "bad_index":
            ranked = [(len(documents) + 5, 1.0)]
        if b.shape == "tei":
            return 200, json.dumps([{"index": i, "score": s} for i, s in ranked]).encode()
        top_n = int(body.get("top_n") or len(ranked))
        results = [{"index": i, "relevance_score": s} for i, s in ranked[:top_n]]
        return 200, json.dumps({"model": body.get("model"), "results": results}).encode()


@contextmanager
def fake_rerank() -> Iterator[FakeRerank]:
    fake = FakeRerank()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
            return

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = {}
            with fake._lock:
                fake.requests.append((self.path, body))
                fake.headers.append(dict(self.headers))
            if not self.path.rstrip("/").endswith("/rerank"):
                status, payload = 404, b'{"error": "not found"}'
            else:
                status, payload = fake.respond(body)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
                pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake._server = server
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
