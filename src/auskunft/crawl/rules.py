"""What a crawl takes in: the queue's scope and page budget, robots.txt per origin, sitemaps within their
budget, and the rules for the requests a rendered page makes (a mixin of Crawler, crawler.py).

Sitemaps come from robots.txt `Sitemap:` lines, else /sitemap.xml; sitemap indexes are followed. Each start URL
has its own budget: at most MAX_SITEMAPS files, SITEMAP_BYTES_FACTOR x max_file_bytes parsed (as a stream,
discovery.py) and max_pages in-scope URLs kept.
"""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from auskunft.crawl.discovery import (
    SitemapBudget,
    crawl_delay,
    parse_robots,
    parse_sitemap,
    sitemaps_in_robots,
)
from auskunft.crawl.fetcher import Fetcher
from auskunft.crawl.scope import Scope, normalize, origin_of
from auskunft.errors import AuskunftError, FetchError
from auskunft.models import Source

MAX_CRAWL_DELAY_S = 60.0  # a robots.txt Crawl-delay above this is capped (logged)
MAX_SITEMAPS = 100  # sitemap files read per start URL (indexes included)
SITEMAP_BYTES_FACTOR = 4  # sitemap bytes parsed per start URL: this many times max_file_bytes

log = logging.getLogger(__name__)


class SiteRules:
    """Crawler's admission of URLs: the queue, robots.txt, sitemaps and the browser's sub-requests."""

    source: Source
    scope: Scope
    fetcher: Fetcher
    queue: asyncio.Queue[tuple[str, int]]
    seen: set[str]
    truncated: bool
    robots: dict[str, RobotFileParser]
    robots_text: dict[str, str | None]
    robots_unavailable: dict[str, str]
    lastmods: dict[str, str]
    sitemap_found: list[str]
    _robots_lock: asyncio.Lock

    def _browser_refusal(self, url: str) -> str | None:
        """Why a request the rendering browser makes (or a redirect hop of one) is refused: the same rules as
        for links, except include and the file-type filter (scripts and styles are no pages)."""
        if not self.scope.host_allowed(url):
            return "out of scope"
        public = self.scope.to_public(normalize(url) or url)
        if any(p.search(public) for p in self.scope.exclude):
            return "matched by the source's exclude"
        if self.source.respect_robots:
            robots = self.robots.get(origin_of(public))
            if robots is None:
                return "robots.txt of its origin not read"
            if not robots.can_fetch(self.source.user_agent, public):
                return "disallowed by robots.txt"
        return None

    def _browser_ok(self, url: str) -> bool:
        return self._browser_refusal(url) is None

    async def _browser_check(self, url: str) -> str | None:
        if self.source.respect_robots and self.scope.host_allowed(url):
            await self._robots_for(self.scope.to_public(normalize(url) or url))
        return self._browser_refusal(url)

    def _enqueue(self, url: str, depth: int) -> None:
        url = self.scope.to_public(url)
        if url in self.seen or depth > self.source.max_depth:
            return
        ok, _reason = self.scope.in_scope(url)
        if not ok:
            return  # out of scope: never fetched, not recorded
        if len(self.seen) >= self.source.max_pages:
            self.truncated = True
            return
        self.seen.add(url)
        self.queue.put_nowait((url, depth))

    def _claim(self, url: str) -> bool:
        """Take a redirect target into this crawl (as if enqueued) when it is in scope and new."""
        if url in self.seen or not self.scope.in_scope(url)[0]:
            return False
        if len(self.seen) >= self.source.max_pages:
            self.truncated = True
            return False
        if (
            self.source.respect_robots
            and origin_of(url) in self.robots
            and not self.robots[origin_of(url)].can_fetch(self.source.user_agent, url)
        ):
            return False
        self.seen.add(url)
        return True

    async def _robots_for(self, url: str) -> RobotFileParser:
        origin = origin_of(url)
        async with self._robots_lock:  # one robots.txt request per origin, even with many workers
            if origin not in self.robots:
                text, disallow_all = None, False
                try:
                    res = await self.fetcher.fetch(
                        self.scope.to_fetch(origin + "/robots.txt"),
                        accept_kinds=("any",),
                        redirect_ok=self.scope.host_allowed,
                    )
                    text = (res.body or b"").decode("utf-8", "replace")
                except FetchError as exc:
                    # 4xx: no robots.txt, all allowed; 5xx/timeouts: assume disallowed (as search engines do)
                    disallow_all = exc.transient
                    if exc.transient:
                        self.robots_unavailable[origin] = str(exc)
                    log.info("robots.txt of %s: %s", origin, exc)
                self.robots[origin] = parse_robots(text, disallow_all=disallow_all)
                self.robots_text[origin] = text
                delay = crawl_delay(text, self.source.user_agent) if self.source.respect_robots else None
                if delay:
                    capped = min(float(delay), MAX_CRAWL_DELAY_S)
                    log.info("robots.txt of %s asks for Crawl-delay %s s (using %s s)", origin, delay, capped)
                    self.fetcher.limiter.slow_down(
                        urlsplit(self.scope.to_fetch(origin + "/")).hostname or "", capped
                    )
        return self.robots[origin]

    async def _sitemap_urls(self) -> list[str]:
        """Page URLs from the sitemaps of every start URL, each start URL with its own budget: at most
        MAX_SITEMAPS files, SITEMAP_BYTES_FACTOR x max_file_bytes parsed and max_pages in-scope URLs kept.
        Sitemaps are fetched `concurrency` at a time (a slow server costs one timeout per round, not each)."""
        found: list[str] = []
        for start in self.scope.start_urls:
            origin = origin_of(start)
            await self._robots_for(start)
            candidates = sitemaps_in_robots(self.robots_text.get(origin)) or [origin + "/sitemap.xml"]
            budget = SitemapBudget(
                bytes_left=SITEMAP_BYTES_FACTOR * self.source.max_file_bytes, urls_left=self.source.max_pages
            )
            pending, done = list(candidates), set[str]()
            while pending and len(done) < MAX_SITEMAPS and not budget.spent:
                wave: list[str] = []
                while pending and len(done) < MAX_SITEMAPS and len(wave) < max(1, self.source.concurrency):
                    sm = self.scope.to_public(normalize(pending.pop(0)) or "")
                    if sm in done or not self.scope.host_allowed(sm):
                        continue  # a sitemap on a foreign host is not fetched
                    done.add(sm)
                    wave.append(sm)
                bodies = await asyncio.gather(*(self._sitemap_body(sm) for sm in wave))
                for body in bodies:
                    if body is None or budget.spent:
                        continue
                    lastmods: dict[str, str] = {}
                    pages, nested = parse_sitemap(body, lastmods, budget=budget, keep=self._sitemap_keeps)
                    for page_url, lastmod in lastmods.items():
                        if public := normalize(page_url):
                            self.lastmods[self.scope.to_public(public)] = lastmod
                    found += pages
                    self.sitemap_found += pages
                    pending += nested
            if budget.spent:
                log.info("sitemaps of %s: budget spent (%d URLs kept)", start, len(found))
        return found

    def _sitemap_keeps(self, url: str) -> bool:
        public = normalize(url)
        return public is not None and self.scope.in_scope(self.scope.to_public(public))[0]

    async def _sitemap_body(self, sm: str) -> bytes | None:
        try:
            res = await self.fetcher.fetch(
                self.scope.to_fetch(sm), accept_kinds=("any",), redirect_ok=self.scope.host_allowed
            )
        except AuskunftError as exc:
            log.info("sitemap %s not used: %s", sm, exc)
            return None
        return res.body or b""
