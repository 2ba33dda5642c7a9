"""Scripted loopback sites for crawl tests (shared with bench/: auskunft.testing.sites)."""

from auskunft.testing.sites import (
    Reply,
    Route,
    ScriptedServer,
    Servers,
    by_url,
    html,
    run_crawl,
    source_for,
    start_server,
)

__all__ = [
    "Reply",
    "Route",
    "ScriptedServer",
    "Servers",
    "by_url",
    "html",
    "run_crawl",
    "source_for",
    "start_server",
]
