"""Crawl test and bench helpers: a scriptable loopback HTTP server for faults the static site server cannot show."""

from __future__ import annotations

import http.server
import socket
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
    host: str = "127.0.0.1"
    requests: list[tuple[float, str]] = field(default_factory=list)  # (monotonic time, path)
    headers: list[dict[str, str]] = field(default_factory=list)  # request headers, in request order
    bodies: list[bytes] = field(default_factory=list)  # POST bodies

    @property
    def origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def paths(self) -> list[str]:
        return [p for _, p in self.requests]


def _handler(server: ScriptedServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            server.bodies.append(self.rfile.read(length))
            self.do_GET()

        def do_GET(self) -> None:  # noqa: N802
            server.requests.append((time.monotonic(), self.path))
            server.headers.append({k.lower(): v for k, v in self.headers.items()})
            route = server.routes.get(self.path)
            if route is None and "?" in self.path:  # a route for the path answers every query
                route = server.routes.get(self.path.split("?", 1)[0])
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


class _Server6(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6


def start_server(
    routes: dict[str, Route], host: str = "127.0.0.1", port: int = 0
) -> tuple[ScriptedServer, http.server.ThreadingHTTPServer]:
    """A loopback server on host:port (several 127.0.0.x addresses and ::1 work on Linux)."""
    srv = ScriptedServer(routes=routes, host=host)
    cls = _Server6 if ":" in host else http.server.ThreadingHTTPServer
    httpd = cls((host, port), _handler(srv))
    httpd.daemon_threads = True
    srv.port = httpd.server_address[1]
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return srv, httpd


class Servers:
    """Loopback servers started by one test (use as a fixture: `pool = Servers(); yield pool; pool.close()`)."""

    def __init__(self) -> None:
        self._httpds: list[http.server.ThreadingHTTPServer] = []

    def start(self, routes: dict[str, Route], host: str = "127.0.0.1", port: int = 0) -> ScriptedServer:
        srv, httpd = start_server(routes, host, port)
        self._httpds.append(httpd)
        return srv

    def pair(
        self, routes_a: dict[str, Route], routes_b: dict[str, Route]
    ) -> tuple[ScriptedServer, ScriptedServer]:
        """A on 127.0.0.1 and B on 127.0.0.2 with the same port (for DNS answers that change the address)."""
        for _ in range(20):
            a = self.start(routes_a)
            try:
                return a, self.start(routes_b, "127.0.0.2", a.port)
            except OSError:  # that port is taken on 127.0.0.2: try another
                continue
        raise RuntimeError("no port free on both 127.0.0.1 and 127.0.0.2")

    def close(self) -> None:
        for httpd in self._httpds:
            httpd.shutdown()
            httpd.server_close()
