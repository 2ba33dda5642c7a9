"""A scripted OpenAI-compatible judge on 127.0.0.1 for the Ragas LLM metrics (a real HTTP server in a thread).

Ragas' instructor client (JSON mode) puts the JSON schema of the expected answer into the system message;
the server finds the schema's model name there and answers with the scripted JSON for it:

    with judge_server({"NLIStatementOutput": {...}, ...}) as judge:   # judge.base_url == "http://127.0.0.1:P/v1"
        ...
        judge.requests                                                # (model name, request body) per call

A scripted value may be a list: successive calls get successive items (the last one repeats).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Judge:
    script: dict[str, Any]
    base_url: str = ""
    requests: list[tuple[str, dict]] = field(default_factory=list)
    calls: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def respond(self, body: dict) -> tuple[int, dict]:
        system = " ".join(
            str(m.get("content", "")) for m in body.get("messages", []) if m.get("role") == "system"
        )
        name = next((n for n in self.script if f'"title": "{n}"' in system), None)
        if name is None:
            return 400, {"error": {"message": "unscripted judge request", "type": "invalid_request_error"}}
        with self.lock:
            self.requests.append((name, body))
            n = self.calls.get(name, 0)
            self.calls[name] = n + 1
        value = self.script[name]
        if isinstance(value, list):
            value = value[min(n, len(value) - 1)]
        content = json.dumps(value)
        return 200, {
            "id": f"judge-{len(self.requests)}",
            "object": "chat.completion",
            "created": 0,
            "model": body.get("model", "judge"),
            "choices": [
                {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        status, payload = self.server.judge.respond(body)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, judge: Judge) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.judge = judge


@contextmanager
def judge_server(script: dict[str, Any]) -> Iterator[Judge]:
    judge = Judge(script=script)
    server = _Server(judge)
    judge.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield judge
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
