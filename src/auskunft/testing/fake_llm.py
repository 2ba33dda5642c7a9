"""A scripted OpenAI-compatible chat server on 127.0.0.1 for fault injection (a real HTTP server in a thread).

    with fake_llm() as llm:                      # llm.base_url == "http://127.0.0.1:PORT/v1"
        llm.script(Behaviour(kind="error", status=500), Behaviour())   # next two completions, in order
        ...
        llm.chat_requests[-1]["messages"]        # what the client sent

Behaviours (one per POST /v1/chat/completions, then `llm.default`):
- "answer": a deterministic answer citing every source number found in the last user message
  (`<source n="k"`), or the not-found phrase when there are none; `text` replaces it. Streams word by word.
  Rewrite requests (the prompt asks for a standalone query) get `rewrite_text` or "<question> (standalone)".
- "error": HTTP `status` (500, 429 with `retry_after`, ...) with an OpenAI-style error body.
- "broken": streams `tokens_before_break` tokens, then drops the connection mid-chunk.
- "truncated": streams a few tokens, then ends the body cleanly without finish_reason or [DONE].
- "garbage": 200 with an event stream of invalid JSON (non-streaming: an HTML page).
Delays: `headers_delay_s` (before any byte), `first_token_delay_s` (after headers), `token_delay_s`.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

from auskunft.chat.prompts import NOT_FOUND

MODEL = "fake-model"
_SOURCE = re.compile(r'<source n="(\d+)"')


@dataclass
class Behaviour:
    kind: Literal["answer", "error", "broken", "truncated", "garbage"] = "answer"
    status: int = 500
    text: str | None = None
    rewrite_text: str | None = None
    headers_delay_s: float = 0.0
    first_token_delay_s: float = 0.0
    token_delay_s: float = 0.0
    retry_after: str | None = None
    tokens_before_break: int = 3


def _content(message: dict) -> str:
    content = message.get("content") or ""
    if isinstance(content, list):  # content parts
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return str(content)


def is_rewrite_request(body: dict) -> bool:
    return "standalone search query" in " ".join(_content(m) for m in body.get("messages", [])[:2]).lower()


def default_answer(body: dict, behaviour: Behaviour) -> str:
    messages = body.get("messages", [])
    last = _content(messages[-1]) if messages else ""
    if is_rewrite_request(body):
        if behaviour.rewrite_text is not None:
            return behaviour.rewrite_text
        m = re.search(r"(?:Last question|<question>)\s*:?\s*(.+?)(?:</question>|$)", last, re.S)
        return f"{(m.group(1) if m else last).strip()} (standalone)"
    if behaviour.text is not None:
        return behaviour.text
    system = " ".join(_content(m) for m in messages if m.get("role") == "system")
    lang = "en" if re.search(r"\bin English\b", system) and not re.search(r"\bin German\b", system) else "de"
    numbers = sorted({int(n) for n in _SOURCE.findall(last)})
    if not numbers:
        return NOT_FOUND[lang]
    cites = "".join(f"[{n}]" for n in numbers)
    if lang == "en":
        return f"According to the documents the answer is in the sources {cites}."
    return f"Laut den Dokumenten steht die Antwort in den Quellen {cites}."


class FakeLLM:
    """Control object: script behaviours, read recorded requests."""

    def __init__(self) -> None:
        self.default = Behaviour()
        self.requests: list[dict[str, Any]] = []
        self.responder: Callable[[dict, Behaviour], str] = default_answer
        self._queue: deque[Behaviour] = deque()
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self.base_url = ""

    def script(self, *behaviours: Behaviour) -> None:
        """Behaviours for the next completions, in order (then `default` again)."""
        with self._lock:
            self._queue.extend(behaviours)

    def reset(self) -> None:
        with self._lock:
            self._queue.clear()
            self.requests.clear()
        self.default = Behaviour()

    def next_behaviour(self) -> Behaviour:
        with self._lock:
            return self._queue.popleft() if self._queue else self.default

    def record(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self.requests.append(entry)

    @property
    def chat_requests(self) -> list[dict[str, Any]]:
        """JSON bodies of the chat-completions requests, oldest first."""
        with self._lock:
            return [r["body"] for r in self.requests if r["path"].endswith("/chat/completions")]

    def answer_requests(self) -> list[dict[str, Any]]:
        return [b for b in self.chat_requests if not is_rewrite_request(b)]

    def rewrite_requests(self) -> list[dict[str, Any]]:
        return [b for b in self.chat_requests if is_rewrite_request(b)]


def _chunk(delta: dict, finish: str | None = None) -> bytes:
    body = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": MODEL,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(body)}\n\n".encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        return

    # --------------------------------------------------------------------------------- helpers
    def _sleep(self, seconds: float) -> bool:
        """False when the server is shutting down."""
        return not (seconds > 0 and self.server.control.stopping.wait(seconds))

    def _json(self, status: int, payload: dict, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # --------------------------------------------------------------------------------- routes
    def do_GET(self) -> None:  # noqa: N802
        self.server.control.record({"method": "GET", "path": self.path, "body": None, "t": time.time()})
        if self.path.rstrip("/").endswith("/models"):
            self._json(
                200, {"object": "list", "data": [{"id": MODEL, "object": "model", "owned_by": "tests"}]}
            )
        else:
            self._json(404, {"error": {"message": "not found"}})

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._json(400, {"error": {"message": "invalid JSON"}})
            return
        control = self.server.control
        control.record(
            {
                "method": "POST",
                "path": self.path,
                "body": body,
                "t": time.time(),
                "headers": dict(self.headers.items()),
            }
        )
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._json(404, {"error": {"message": "not found"}})
            return
        b = control.next_behaviour()
        try:
            if not self._sleep(b.headers_delay_s):
                return
            if b.kind == "error":
                headers = {"Retry-After": b.retry_after} if b.retry_after else {}
                self._json(
                    b.status, {"error": {"message": f"scripted {b.status}", "type": "server_error"}}, headers
                )
                return
            text = control.responder(body, b)
            if body.get("stream"):
                self._stream(b, text)
            elif b.kind == "garbage":
                page = b"<html><body>502 Bad Gateway</body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)
            else:
                self._json(
                    200,
                    {
                        "id": "chatcmpl-fake",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": MODEL,
                        "choices": [
                            {
                                "index": 0,
                                "finish_reason": "stop",
                                "message": {"role": "assistant", "content": text},
                            }
                        ],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                    },
                )
        except (BrokenPipeError, ConnectionResetError):  # the client gave up: fine
            self.close_connection = True

    def _stream(self, b: Behaviour, text: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        if not self._sleep(b.first_token_delay_s):
            return self._drop()
        if b.kind == "garbage":
            self._write_chunk(b"data: {this is not json\n\n")
            self._write_chunk(b"data: <html>oops</html>\n\n")
            self._write_chunk(b"")
            return None
        self._write_chunk(_chunk({"role": "assistant", "content": ""}))
        words = re.findall(r"\S+\s*", text)
        for i, word in enumerate(words):
            if b.kind == "broken" and i >= b.tokens_before_break:
                self.wfile.write(b'400\r\ndata: {"choi')  # a chunk announced bigger than what follows
                return self._drop()
            if b.kind == "truncated" and i >= b.tokens_before_break:
                self._write_chunk(b"")
                return None
            self._write_chunk(_chunk({"content": word}))
            if i + 1 < len(words) and not self._sleep(b.token_delay_s):
                return self._drop()
        self._write_chunk(_chunk({}, "stop"))
        self._write_chunk(b"data: [DONE]\n\n")
        self._write_chunk(b"")
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, control: FakeLLM) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.control = control

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):  # clients hanging up are fine
            super().handle_error(request, client_address)


@contextmanager
def fake_llm() -> Iterator[FakeLLM]:
    control = FakeLLM()
    server = _Server(control)
    control.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield control
    finally:
        control.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
