"""A page still in flight when the crawl deadline (max_crawl_s) passes gets a record that says so.

The deadline cancels the crawl's workers; the page a worker was on used to get no record at all (the run's
manifest did not show that it was ever requested). Now it fails with "deadline: …"; pages still queued were
never requested and get none, and the crawl counts as truncated (nothing is marked gone).
"""

from __future__ import annotations

import time
from pathlib import Path

from auskunft.crawl import CrawlState
from tests.crawl.helpers import Reply, Servers, by_url, html, run_crawl, source_for

PUBLIC = "https://www.example.org"


def test_page_in_flight_at_the_deadline_fails_with_the_reason(servers: Servers, tmp_path: Path) -> None:
    routes = {
        "/": html(f"{PUBLIC}/slow.html", f"{PUBLIC}/later.html", text="Start"),
        "/slow.html": Reply(body=html(text="langsam").body, delay_s=8.0),  # answers after the deadline
        "/later.html": html(text="später"),
        "/robots.txt": Reply(status=404),
    }
    srv = servers.start(routes)
    source = source_for(PUBLIC, srv.origin, concurrency=1, timeout_s=20.0, max_crawl_s=3.0, use_sitemap=False)
    t0 = time.monotonic()
    manifest = run_crawl(source, tmp_path)
    elapsed = time.monotonic() - t0
    assert elapsed <= source.max_crawl_s + 5, elapsed
    recs = by_url(manifest)
    assert recs[PUBLIC + "/"].status == "new"
    slow = recs[PUBLIC + "/slow.html"]
    assert slow.status == "failed" and (slow.error or "").startswith("deadline: max_crawl_s=3 s"), slow
    assert slow.depth == 1
    assert PUBLIC + "/later.html" not in recs  # queued behind it, never requested
    assert "/later.html" not in srv.paths()
    # the state keeps what it knew and forgets nothing: the next run fetches slow.html again
    assert set(CrawlState(tmp_path / "state", source.name).records) == {PUBLIC + "/"}
