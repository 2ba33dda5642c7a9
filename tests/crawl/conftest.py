"""Fixtures for crawl tests."""

from __future__ import annotations

import http.server
from collections.abc import Callable, Iterator

import pytest

from tests.crawl.helpers import Route, ScriptedServer, start_server


@pytest.fixture
def scripted_server() -> Iterator[Callable[..., ScriptedServer]]:
    """Factory: start a loopback server for a route table (path -> Reply or handler -> Reply)."""
    started: list[http.server.ThreadingHTTPServer] = []

    def start(routes: dict[str, Route], host: str = "127.0.0.1", port: int = 0) -> ScriptedServer:
        srv, httpd = start_server(routes, host, port)
        started.append(httpd)
        return srv

    yield start
    for httpd in started:
        httpd.shutdown()
        httpd.server_close()
