"""render_js reaches no internal host (probe 2026-11 items 7.13 and 7.14, and new variants).

The source's site A runs on 127.0.0.1; the "internal services" are B on 127.0.0.2 (another address) and C on
127.0.0.1 with another port (listed in allowed_hosts, so only the per-origin address guard stops it). Real
Debian chromium renders; B and C record every request they get.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from auskunft.crawl import RawStore
from auskunft.crawl.render import BrowserRenderer
from auskunft.models import Source
from tests.crawl.helpers import Reply, ScriptedServer, Servers, by_url, run_crawl

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian chromium (scripts/setup.sh)"),
]
SECRET = b"<html><head><title>INTERNAL SECRET</title></head><body>TOPSECRET-B api_key=sk-internal-123</body></html>"


def internal(servers: Servers, host: str = "127.0.0.2") -> ScriptedServer:
    cors = {"Access-Control-Allow-Origin": "*"}
    return servers.start(
        {
            "/secret": Reply(body=SECRET, headers=cors),
            "/x.js": Reply(body=b"document.title='pwned'", content_type="text/javascript", headers=cors),
        },
        host,
    )


def redirect(handler: object) -> Reply:
    to = handler.path.split("to=", 1)[1]  # type: ignore[attr-defined]
    status = 307 if "/redir307" in handler.path else 302  # type: ignore[attr-defined]
    return Reply(status, headers={"Location": to.replace("%3F", "?").replace("%3D", "=")})


def site_source(site: ScriptedServer, *extra_hosts: str, path: str = "/js.html") -> Source:
    return Source(
        name="probe-render",
        start_urls=[f"{site.origin}{path}"],
        allowed_hosts=[f"127.0.0.1:{site.port}", *extra_hosts],
        allow_private=True,
        render_js=True,
        use_sitemap=False,
        respect_robots=False,
        max_depth=0,
        timeout_s=10,
        rate_limit_per_s=1000,
    )


def rendered(tmp_path: Path, source: Source) -> tuple[str, str]:
    rec = by_url(run_crawl(source, tmp_path))[source.start_urls[0]]
    assert rec.rendered, rec.error
    return rec.status, RawStore(tmp_path / "raw").get(rec.sha256 or "").decode()


def test_browser_requests_never_reach_internal_hosts(servers: Servers, tmp_path: Path) -> None:
    """7.13 and variants: iframe, fetch, XHR POST (307), script and img via redirects or direct; WebSocket,
    beacon, preconnect, a worker's fetch; another port on the trusted address. Only the in-scope API answers."""
    b = internal(servers)
    c = internal(servers, "127.0.0.1")  # another service on the source's own address
    bs, cs = f"http://127.0.0.2:{b.port}", f"http://127.0.0.1:{c.port}"
    page = f"""<html><head><title>js</title>
      <link rel="preconnect" href="{bs}"><link rel="stylesheet" href="/redir?to={bs}/secret">
      <script src="/redir?to={bs}/x.js"></script><script src="{cs}/x.js"></script></head>
      <body><main id="m"></main>
      <iframe src="/redir?to={bs}/secret%3Fvia%3Diframe"></iframe><iframe src="{cs}/secret?via=iframe-c"></iframe>
      <img src="{bs}/secret?via=img"><img src="/redir?to={bs}/secret%3Fvia%3Dimg-redirect">
      <script>
        const add = (t) => {{ const p = document.createElement('p'); p.textContent = t; document.getElementById('m').append(p); }};
        fetch('/api/ok').then(r => r.text()).then(t => add('SAFE: ' + t));
        fetch('/redir?to={bs}/secret%3Fvia%3Dfetch').then(r => r.text()).then(t => add('FETCHED: ' + t)).catch(() => add('fetch refused'));
        fetch('{cs}/secret?via=fetch-c').then(r => r.text()).then(t => add('FETCHED C: ' + t)).catch(() => {{}});
        const x = new XMLHttpRequest(); x.open('POST', '/redir307?to={bs}/secret%3Fvia%3Dxhr');
        x.onload = () => add('XHR: ' + x.responseText); x.send('a=1');
        try {{ const ws = new WebSocket('ws://127.0.0.2:{b.port}/secret?via=ws'); ws.onmessage = (e) => add('WS: ' + e.data); }} catch (e) {{}}
        navigator.sendBeacon('{bs}/secret?via=beacon', 'x');
        new Worker('/worker.js');
      </script></body></html>"""
    site = servers.start(
        {
            "/js.html": Reply(body=page.encode()),
            "/api/ok": Reply(body=b"in-scope answer", content_type="text/plain"),
            "/redir": redirect,
            "/redir307": redirect,
            "/worker.js": Reply(
                body=f"fetch('{bs}/secret?via=worker').catch(() => {{}});".encode(),
                content_type="text/javascript",
            ),
        }
    )
    status, body = rendered(tmp_path, site_source(site, f"127.0.0.1:{c.port}"))
    assert status == "new"
    assert b.requests == [] and c.requests == []  # nothing reached either internal service
    assert "SAFE: in-scope answer" in body  # the guarded route still serves the page's own requests
    assert "TOPSECRET" not in body and "pwned" not in body
    assert "<title>js</title>" in body


def test_render_uses_the_guarded_fetch_document(servers: Servers, tmp_path: Path) -> None:
    """7.14: the site answers the crawler's fetch harmlessly and a second request with a redirect to B."""
    b = internal(servers)
    hits: list[int] = []

    def toctou(handler: object) -> Reply:
        hits.append(1)
        if len(hits) == 1:
            return Reply(
                body=b"<html><head><title>harmless</title></head><body><h1>harmless page</h1></body></html>"
            )
        return Reply(302, headers={"Location": f"http://127.0.0.2:{b.port}/secret?via=render-toctou"})

    site = servers.start({"/toctou.html": toctou})
    status, body = rendered(tmp_path, site_source(site, path="/toctou.html"))
    assert status == "new" and "harmless page" in body and "INTERNAL SECRET" not in body
    assert len(hits) == 1  # the browser did not ask the site again
    assert b.requests == []


def test_script_navigation_away_is_not_rendered(servers: Servers, tmp_path: Path) -> None:
    """A page that sends the browser elsewhere (location, meta refresh) is rendered as it was fetched."""
    b = internal(servers)
    page = f"""<html><head><title>stay</title><meta http-equiv="refresh" content="0; url=/elsewhere.html"></head>
      <body><p>original text</p><script>location.href = 'http://127.0.0.2:{b.port}/secret?via=location';</script>
      </body></html>"""
    site = servers.start(
        {"/nav.html": Reply(body=page.encode()), "/elsewhere.html": Reply(body=b"<p>ELSEWHERE</p>")}
    )
    status, body = rendered(tmp_path, site_source(site, path="/nav.html"))
    assert "original text" in body and "ELSEWHERE" not in body and "TOPSECRET" not in body
    assert b.requests == [] and "/elsewhere.html" not in site.paths()


def test_connections_around_the_route_reach_only_the_sink(servers: Servers) -> None:
    """WebSockets are not seen by Playwright routes: chromium's proxy is a sink that refuses them."""
    b = internal(servers)
    page = f"""<html><body><p id="p">waiting</p><script>
      const ws = new WebSocket('ws://127.0.0.2:{b.port}/secret?via=ws');
      ws.onerror = () => {{ document.getElementById('p').textContent = 'ws refused'; }};
      ws.onmessage = (e) => {{ document.getElementById('p').textContent = 'WS: ' + e.data; }};
    </script></body></html>"""
    site = servers.start({})

    async def render() -> tuple[str, list[str]]:
        renderer = BrowserRenderer(timeout_s=10, request_ok=lambda url: url.startswith(site.origin + "/"))
        try:
            await renderer.start()
            return await renderer.render(site.origin + "/ws.html", page.encode()), renderer.escaped
        finally:
            await renderer.close()

    body, escaped = asyncio.run(render())
    assert "ws refused" in body and b.requests == []
    assert any(f"127.0.0.2:{b.port}" in line for line in escaped), escaped
