"""Crawl test helpers: a scriptable loopback HTTP server for faults the static site server cannot show."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from auskunft.crawl import CrawlState, RawStore, crawl_source
from auskunft.models import CrawlManifest, CrawlRecord, Source


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


Route = Reply | Callable[[http.server.BaseHTTPRequestHandler], Reply | None]  # None: handler answered itself


@dataclass
class ScriptedServer:
    routes: dict[str, Route]
    port: int = 0
    requests: list[tuple[float, str]] = field(default_factory=list)  # (monotonic time, path)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def paths(self) -> list[str]:
        return [p for _, p in self.requests]


def _handler(server: ScriptedServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def do_GET(self) -> None:  # noqa: N802
            server.requests.append((time.monotonic(), self.path))
            route = server.routes.get(self.path)
            reply = (
                Reply(404, b"not found")
                if route is None
                else (route if isinstance(route, Reply) else route(self))
            )
            if reply is None:
                return
            if reply.delay_s:
                time.sleep(reply.delay_s)
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                if reply.status != 304:
                    self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


def html(*links: str, title: str = "t", text: str = "") -> Reply:
    anchors = "".join(f'<a href="{u}">{u}</a> ' for u in links)
    return Reply(
        body=f"<html><head><title>{title}</title></head><body><p>{text}</p>{anchors}</body></html>".encode()
    )


def source_for(public: str, fetch_origin: str, **kw: object) -> Source:
    """A source whose public origin is served by a loopback server (allow_private: loopback is refused otherwise)."""
    base = {
        "name": "t",
        "start_urls": [public + "/"],
        "host_aliases": {public: fetch_origin},
        "allow_private": True,
        "rate_limit_per_s": 1000.0,
        "concurrency": 4,
        "timeout_s": 5.0,
    }
    return Source.model_validate(base | kw)


def run_crawl(source: Source, data: Path) -> CrawlManifest:
    return crawl_source(
        source, raw_store=RawStore(data / "raw"), state=CrawlState(data / "state", source.name)
    )


def by_url(manifest: CrawlManifest) -> dict[str, CrawlRecord]:
    return {r.url: r for r in manifest.records}


def start_server(routes: dict[str, Route]) -> tuple[ScriptedServer, http.server.ThreadingHTTPServer]:
    srv = ScriptedServer(routes=routes)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(srv))
    httpd.daemon_threads = True
    srv.port = httpd.server_address[1]
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return srv, httpd
