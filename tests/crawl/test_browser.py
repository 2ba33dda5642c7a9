"""render_js sources: crawl4ai browser mode on Debian chromium."""

from __future__ import annotations

import http.server
import logging
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from auskunft.crawl import RawStore
from tests.crawl.helpers import Reply, ScriptedServer, by_url, run_crawl, source_for
from tests.support.siteserver import SiteServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian chromium (scripts/setup.sh)"),
]
DEMO = "http://localhost:8765"
RENDERED = "<li>14. März 2027: Trainerfortbildung Taktik in Kassel</li>"  # built by the page's script


def test_demo_site_rendered(demo_site: SiteServer, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    demo_site.clear_log()
    source = source_for(DEMO, demo_site.origin, render_js=True)
    records = by_url(run_crawl(source, tmp_path))
    store = RawStore(tmp_path / "raw")

    termine = records[DEMO + "/termine/"]
    assert termine.status == "new" and termine.rendered and termine.error is None
    body = store.get(termine.sha256 or "").decode("utf-8")
    assert RENDERED in body and "Termine werden geladen" not in body
    assert termine.http_sha256 != termine.sha256  # the HTTP body is kept apart from the rendered one
    assert not any(p.startswith("/intern/") for p in demo_site.paths_requested())
    pdfs = [r for r in records.values() if r.content_type == "application/pdf"]
    assert len(pdfs) >= 4 and all(not r.rendered and store.has(r.sha256 or "") for r in pdfs)
    assert all(r.rendered for r in records.values() if r.content_type == "text/html")

    caplog.set_level(logging.INFO, logger="auskunft.crawl")
    again = run_crawl(source, tmp_path)
    assert {r.status for r in again.records if r.content_type} == {"unchanged"}
    assert "chromium started" not in caplog.text  # unchanged pages are not rendered again


def test_browser_requests_stay_in_scope(
    scripted_server: Callable[[dict], ScriptedServer], tmp_path: Path
) -> None:
    other = scripted_server({"/x.js": Reply(body=b"document.title='pwned'", content_type="text/javascript")})
    page = f"""<html><head><title>ok</title><script src="http://localhost:{other.port}/x.js"></script></head>
      <body><div id="d"></div><img src="http://169.254.169.254/latest/meta-data/">
      <script>document.getElementById('d').textContent = 'from script';</script></body></html>"""
    srv = scripted_server({"/": Reply(body=page.encode())})
    source = source_for("http://js.test", srv.origin, render_js=True, use_sitemap=False, respect_robots=False)
    rec = by_url(run_crawl(source, tmp_path))["http://js.test/"]
    body = RawStore(tmp_path / "raw").get(rec.sha256 or "").decode()
    assert rec.rendered and '<div id="d">from script</div>' in body
    assert other.requests == []  # the route guard aborted the out-of-scope script
    assert "<title>ok</title>" in body


def test_failed_render_is_retried_next_run(
    scripted_server: Callable[[dict], ScriptedServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = (
        b"<html><head><title>js</title></head><body><p id='p'></p><script>document.getElementById('p')"
        b".textContent = 'rendered ' + (6 * 7);</script></body></html>"
    )

    def answer(handler: http.server.BaseHTTPRequestHandler) -> Reply:
        if handler.headers.get("If-None-Match") == '"v1"':
            return Reply(304, headers={"ETag": '"v1"'})
        return Reply(body=page, headers={"ETag": '"v1"'})

    srv = scripted_server({"/": answer})
    source = source_for("http://js.test", srv.origin, render_js=True, use_sitemap=False, respect_robots=False)

    monkeypatch.setenv("CHROMIUM_PATH", "/bin/false")  # a browser that dies at once
    first = by_url(run_crawl(source, tmp_path))["http://js.test/"]
    assert first.status == "new" and not first.rendered
    assert (first.error or "").startswith("not rendered: chromium did not start")
    assert RawStore(tmp_path / "raw").get(first.sha256 or "") == page  # the HTTP body is kept meanwhile

    monkeypatch.delenv("CHROMIUM_PATH")
    second = by_url(run_crawl(source, tmp_path))["http://js.test/"]
    assert second.http_status == 304  # unchanged on the server, rendered now all the same
    assert second.status == "changed" and second.rendered and second.error is None
    assert "rendered 42" in RawStore(tmp_path / "raw").get(second.sha256 or "").decode()
