"""The rendering browser obeys robots.txt and exclude, and a DOM bomb is stopped (probe 2026-12 N10, N11).

N10: a rendered page's `fetch('/intern/secret.html')` brought a page that robots.txt and the source's exclude
forbid into the stored DOM (browser requests were checked for their origin only). N11: a 300-byte script
creating 2 M <p> drove chromium's process tree to 7.5 GB and stored a 36.9 MB snapshot over max_file_bytes.
Real Debian chromium; the loopback server records every request.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from auskunft.crawl import RawStore
from auskunft.models import Source
from tests.crawl.helpers import Reply, ScriptedServer, Servers, by_url, run_crawl
from tests.security.crawl_bombs import dom_bomb_html

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian chromium (scripts/setup.sh)"),
]
REPO = Path(__file__).resolve().parents[2]
MAX_BROWSER_MB = 350  # PSS of chromium's tree at which the watchdog kills it (default 1536)
CRAWLER_MB = 250  # the crawler's own process (crawl4ai, playwright, httpx), not part of the browser
SECRET = b"<html><body><p>ROBOTS-DISALLOWED-SECRET</p></body></html>"
PULL = """<html><head><title>Pull</title></head><body><h1>Seite</h1><div id="out"></div><script>
for (const p of ['/intern/secret.html', '/nur-fuer-mitglieder/liste.html', '/ok/frei.html']) {
  fetch(p).then(r => r.text()).then(t => document.getElementById('out').insertAdjacentHTML('beforeend',
    '<p>PULLED ' + p + ': ' + t + '</p>')).catch(e => document.getElementById('out').insertAdjacentHTML(
    'beforeend', '<p>refused ' + p + '</p>'));
}
</script></body></html>"""


@pytest.fixture
def servers() -> Iterator[Servers]:
    pool = Servers()
    yield pool
    pool.close()


def _source(site: ScriptedServer, path: str, **kw: object) -> Source:
    return Source.model_validate(
        {
            "name": "render-limits",
            "start_urls": [f"{site.origin}{path}"],
            "allowed_hosts": [f"127.0.0.1:{site.port}"],
            "allow_private": True,
            "render_js": True,
            "use_sitemap": False,
            "max_depth": 0,
            "timeout_s": 10,
            "rate_limit_per_s": 1000,
        }
        | kw
    )


def test_rendered_page_requests_obey_robots_and_exclude(servers: Servers, tmp_path: Path) -> None:
    site = servers.start(
        {
            "/robots.txt": Reply(body=b"User-agent: *\nDisallow: /intern/\n", content_type="text/plain"),
            "/pull.html": Reply(body=PULL.encode()),
            "/intern/secret.html": Reply(body=SECRET),
            "/nur-fuer-mitglieder/liste.html": Reply(body=b"<p>EXCLUDED-MEMBER-LIST</p>"),
            "/ok/frei.html": Reply(body=b"<p>FREE-TEXT</p>"),
        }
    )
    source = _source(site, "/pull.html", exclude=["/nur-fuer-mitglieder/"])
    manifest = run_crawl(source, tmp_path)
    rec = by_url(manifest)[source.start_urls[0]]
    assert rec.rendered, rec.error
    body = RawStore(tmp_path / "raw").get(rec.sha256 or "").decode()
    assert "PULLED /ok/frei.html" in body and "FREE-TEXT" in body  # allowed requests still work
    assert "ROBOTS-DISALLOWED-SECRET" not in body and "EXCLUDED-MEMBER-LIST" not in body
    assert "/intern/secret.html" not in site.paths()  # never reached the server
    assert "/nur-fuer-mitglieder/liste.html" not in site.paths()
    assert [r.url for r in manifest.records] == [source.start_urls[0]]  # nothing else entered the crawl


@pytest.mark.slow
def test_dom_bomb_is_stopped_and_its_snapshot_never_stored(servers: Servers) -> None:
    site = servers.start({"/bomb.html": Reply(body=dom_bomb_html(2_000_000))})
    source = _source(site, "/bomb.html", timeout_s=10, respect_robots=False, max_crawl_s=30)
    out = subprocess.run(
        [sys.executable, "-m", "tests.security.crawl_bombs", source.model_dump_json(), str(MAX_BROWSER_MB)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=180,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["seconds"] <= source.max_crawl_s + 5, result
    assert result["tree_peak_pss_mb"] <= 500 + CRAWLER_MB, result  # chromium's tree + the crawler itself
    for status, rendered, size, error in result["records"].values():  # the DOM never reaches the store
        assert not rendered and size < 10_000 and "render" in error, (status, rendered, size, error)
