"""Fixtures for crawl tests."""

from __future__ import annotations

import http.server
from collections.abc import Callable, Iterator

import pytest

from tests.crawl.helpers import Route, ScriptedServer, start_server


@pytest.fixture
def scripted_server() -> Iterator[Callable[[dict[str, Route]], ScriptedServer]]:
    """Factory: start a loopback server for a route table (path -> Reply or handler -> Reply)."""
    started: list[http.server.ThreadingHTTPServer] = []

    def start(routes: dict[str, Route]) -> ScriptedServer:
        srv, httpd = start_server(routes)
        started.append(httpd)
        return srv

    yield start
    for httpd in started:
        httpd.shutdown()
        httpd.server_close()
