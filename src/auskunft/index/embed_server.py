"""An OpenAI-compatible embeddings server for the local engines, so workers and the chat service share one.

    python -m auskunft.index.embed_server --host 0.0.0.0 --port 8000 [--workers N]

Clients: `EMBEDDING_BACKEND=openai`, `EMBEDDING_MODEL=multilingual-e5-small-q4`,
`EMBEDDING_BASE_URL=http://<host>:8000/v1`; auskunft's OpenAI client then adds e5's "query: " / "passage: "
prefixes itself. A text that starts with one of them is embedded as it is; any other text gets the prefix
named by the request's `input_type` ("query", or "passage"/"document", the default). Endpoints:
POST /v1/embeddings (string or array `input`, `encoding_format` float or base64), GET /v1/models, GET /health.
Requests run concurrently; the engine runs at most `workers` texts at a time (one core each). It serves the
default engine (ONNX Runtime int8): its vectors equal a local `onnx` embedder's for the same prefixed text.
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np

from auskunft.index.e5_engine import OnnxE5Embedder

log = logging.getLogger(__name__)

PREFIXES = ("query: ", "passage: ")
MAX_BODY = 32 * 1024 * 1024
MAX_INPUTS = 2048


class RequestError(ValueError):
    """A bad request: answered with HTTP 400 and this message."""


def parse_request(body: bytes, default: str = "passage") -> tuple[list[str], bool]:
    """(texts with their e5 prefix, base64?) from an /v1/embeddings body; RequestError when it is unusable."""
    try:
        req = json.loads(body or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RequestError(f"invalid JSON body: {exc}") from None
    if not isinstance(req, dict):
        raise RequestError("body must be a JSON object")
    inp = req.get("input")
    texts = [inp] if isinstance(inp, str) else inp
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        raise RequestError("'input' must be a string or a non-empty array of strings (token arrays: no)")
    if len(texts) > MAX_INPUTS:
        raise RequestError(f"at most {MAX_INPUTS} inputs per request (got {len(texts)})")
    kind = req.get("input_type") or default
    if kind not in ("query", "passage", "document"):
        raise RequestError(f"unknown input_type {kind!r} (query, passage or document)")
    prefix = "query: " if kind == "query" else "passage: "
    fmt = req.get("encoding_format") or "float"
    if fmt not in ("float", "base64"):
        raise RequestError(f"unknown encoding_format {fmt!r} (float or base64)")
    return [t if t.startswith(PREFIXES) else prefix + t for t in texts], fmt == "base64"


def make_handler(embedder: OnnxE5Embedder, model_name: str) -> type[BaseHTTPRequestHandler]:

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt: str, *args: Any) -> None:
            log.debug("%s %s", self.address_string(), fmt % args)

        def _json(self, code: int, obj: dict) -> None:
            body = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _error(self, code: int, message: str, kind: str = "invalid_request_error") -> None:
            self._json(code, {"error": {"message": message, "type": kind, "code": None}})

        def do_GET(self) -> None:  # noqa: N802
            if self.path in ("/health", "/healthz"):
                self._json(200, {"status": "ok", "model": model_name, "dim": embedder.dim})
            elif self.path in ("/v1/models", "/models"):
                self._json(200, {"object": "list", "data": [{"id": model_name, "object": "model"}]})
            else:
                self._error(404, f"no route {self.path}")

        def do_POST(self) -> None:  # noqa: N802
            if self.path not in ("/v1/embeddings", "/embeddings"):
                self._error(404, f"no route {self.path}")
                return
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if not 0 <= length <= MAX_BODY:
                self.close_connection = True
                self._error(413, f"body must be at most {MAX_BODY} bytes")
                return
            try:
                texts, b64 = parse_request(self.rfile.read(length))
            except RequestError as exc:
                self._error(400, str(exc))
                return
            try:
                vecs = np.asarray(embedder.embed_raw(texts), dtype=np.float32)
                tokens = sum(embedder.token_counts(texts, prefix=""))
            except Exception as exc:  # a failing request must not take the server down
                log.exception("embedding failed")
                self._error(500, f"embedding failed: {exc}", "server_error")
                return
            data = [
                {
                    "object": "embedding",
                    "index": i,
                    "embedding": base64.b64encode(v.tobytes()).decode() if b64 else v.tolist(),
                }
                for i, v in enumerate(vecs)
            ]
            usage = {"prompt_tokens": tokens, "total_tokens": tokens}
            self._json(200, {"object": "list", "data": data, "model": model_name, "usage": usage})

    return Handler


def make_server(
    host: str, port: int, *, model: str = "multilingual-e5-small-q4", workers: int = 0
) -> ThreadingHTTPServer:
    """Load the engine (before listening: a healthy server answers at once) and bind; port 0 picks one."""
    embedder = OnnxE5Embedder(model, workers=workers)
    embedder.start()
    server = ThreadingHTTPServer((host, port), make_handler(embedder, model))
    server.daemon_threads = True
    return server


def main(argv: list[str] | None = None) -> None:
    from auskunft.logging_setup import configure_logging

    ap = argparse.ArgumentParser(prog="python -m auskunft.index.embed_server", description=__doc__)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--model", default="multilingual-e5-small-q4")
    ap.add_argument(
        "--workers", type=int, default=0, help="texts embedded at a time (0: one per core, max 8)"
    )
    args = ap.parse_args(argv)
    configure_logging("INFO")
    server = make_server(args.host, args.port, model=args.model, workers=args.workers)

    def stop(*_: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    log.info("embedding server (%s) on http://%s:%d/v1", args.model, *server.server_address[:2])
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
