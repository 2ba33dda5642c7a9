"""Crawl one source: discovery, politeness, change detection, manifest.

Discovery: start URLs, sitemaps (robots.txt `Sitemap:` lines, else /sitemap.xml; sitemap indexes
followed) and links found in pages, breadth first up to max_depth / max_pages, in scope only (scope.py).
URLs are recorded under the public origin; requests go to the host-alias origin.

Change detection per URL, against the previous run's state:
- the previous ETag / Last-Modified are sent (If-None-Match / If-Modified-Since) when the previous body
  is still in the raw store: 304 -> unchanged, no body downloaded;
- otherwise the sha256 of the HTTP body is compared with the previous one: equal -> unchanged;
- render_js sources: the same HTTP check runs first, and the browser renders only new or changed
  pages (an unchanged re-crawl never starts chromium); the stored body is then the rendered DOM.
- 404/410 for a known URL, or a known URL no longer discovered by a crawl that neither hit max_pages
  nor lost a page to a transient error -> gone. Timeouts, 5xx and network errors count as failed and
  keep the previous state.

The state is replaced atomically at the end of a run: a crashed run leaves the previous state intact
(the next run redoes the work; bodies already in the raw store are not written again).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from auskunft.crawl.fetcher import Fetcher, RateLimiter
from auskunft.crawl.render import BrowserRenderer
from auskunft.crawl.rules import MAX_CRAWL_DELAY_S, MAX_SITEMAPS, SITEMAP_BYTES_FACTOR
from auskunft.crawl.scope import Scope
from auskunft.crawl.store import CrawlState, RawStore
from auskunft.crawl.visit import PageVisits
from auskunft.models import CrawlManifest, CrawlRecord, Source, utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")
__all__ = ["MAX_CRAWL_DELAY_S", "MAX_SITEMAPS", "SITEMAP_BYTES_FACTOR", "Crawler", "crawl_source", "run_sync"]


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, also from inside a running loop (Jupyter kernels): then in a worker thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target, name="auskunft-crawl")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def crawl_source(
    source: Source,
    *,
    raw_store: RawStore,
    state: CrawlState,
    progress: bool = False,
    run_id: str | None = None,
    render_memory_mb: int | None = None,
) -> CrawlManifest:
    """Crawl a source and return the manifest; the state is updated, raw bodies land in the store.

    `render_memory_mb`: PSS of the rendering browser's process tree at which it is killed (RENDER_MEMORY_MB;
    None: browser.MAX_BROWSER_MB)."""
    crawler = Crawler(source, raw_store, state, progress=progress, render_memory_mb=render_memory_mb)
    return run_sync(crawler.run(run_id or utcnow().strftime("%Y%m%dT%H%M%S")))


class Crawler(PageVisits):
    """One crawl of one source (use crawl_source); holds the run's queue, records and robots cache."""

    def __init__(
        self,
        source: Source,
        raw_store: RawStore,
        state: CrawlState,
        *,
        progress: bool = False,
        render_memory_mb: int | None = None,
    ) -> None:
        self.source = source
        self.render_memory_mb = render_memory_mb
        self.store = raw_store
        self.state = state
        self.scope = Scope(source)
        self.progress = progress
        self.records: dict[str, CrawlRecord] = {}
        self.seen: set[str] = set()
        self.robots: dict[str, RobotFileParser] = {}
        self.robots_text: dict[str, str | None] = {}
        self.robots_unavailable: dict[str, str] = {}  # origin -> why (5xx, timeout): nothing is fetched there
        self.truncated = False  # max_pages reached: URLs not discovered this time may still exist
        self.incomplete = False  # a page failed transiently and its links could not be followed
        self.renderer: BrowserRenderer | None = None
        self._robots_lock = asyncio.Lock()
        self.lastmods: dict[str, str] = {}  # public URL -> <lastmod> from the sitemaps
        self.sitemap_found: list[str] = []  # page URLs from the sitemaps (kept when their deadline passes)
        self.visiting: dict[str, int] = {}  # URL a worker is on -> its depth

    async def run(self, run_id: str) -> CrawlManifest:
        started = utcnow()
        src = self.source
        self.fetcher = Fetcher(
            user_agent=src.user_agent,
            timeout_s=src.timeout_s,
            max_bytes=src.max_file_bytes,
            allow_private=src.allow_private,
            trusted_origins=self.scope.trusted_fetch_origins(),
            to_fetch=self.scope.to_fetch,
            limiter=RateLimiter(src.rate_limit_per_s, src.concurrency),
        )
        self.queue: asyncio.Queue[tuple[str, int]] = asyncio.Queue()
        bar = _Progress(self.progress, src.name)
        try:
            if src.render_js:  # started lazily: an unchanged re-crawl never launches the browser
                self.renderer = BrowserRenderer(
                    timeout_s=src.timeout_s,
                    user_agent=src.user_agent,
                    request_ok=self._browser_ok,
                    request_check=self._browser_check,
                    fetcher=self.fetcher,
                    max_snapshot_bytes=src.max_file_bytes,
                    max_browser_mb=self.render_memory_mb,
                )
                self._renderer_lock = asyncio.Lock()
            for url in self.scope.start_urls:
                self._enqueue(url, 0)
            deadline = asyncio.get_running_loop().time() + src.max_crawl_s
            if src.use_sitemap:
                try:
                    async with asyncio.timeout_at(deadline):
                        await self._sitemap_urls()
                except TimeoutError:
                    self._out_of_time("reading sitemaps")
                for url in self.sitemap_found:
                    self._enqueue(url, 1)
            workers = [asyncio.create_task(self._worker(bar)) for _ in range(max(1, src.concurrency))]
            try:
                async with asyncio.timeout_at(deadline):
                    await self.queue.join()
            except TimeoutError:
                self._out_of_time(f"with {self.queue.qsize()} URLs still queued")
            for w in workers:
                w.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            self._record_unfinished()
        finally:
            bar.close()
            await self.fetcher.aclose()
            if self.renderer is not None:
                await self.renderer.close()
        self._mark_gone()
        self._save_state()
        return CrawlManifest(
            source=src.name,
            run_id=run_id,
            started_at=started,
            finished_at=utcnow(),
            records=sorted(self.records.values(), key=lambda r: r.url),
        )

    def _out_of_time(self, what: str) -> None:
        """The crawl's deadline (max_crawl_s) passed: it ends like a truncated one (nothing marked gone)."""
        log.warning(
            "crawl of %s stopped after max_crawl_s=%g s %s", self.source.name, self.source.max_crawl_s, what
        )
        self.truncated = True

    def _record_unfinished(self) -> None:
        """Pages a worker was on when the deadline stopped the crawl fail with the reason (a redirect target
        claimed by such a page too); pages still queued were never requested and get no record."""
        queued = set()
        while not self.queue.empty():
            queued.add(self.queue.get_nowait()[0])
            self.queue.task_done()
        for url in sorted(self.seen - queued - self.records.keys()):
            self.records[url] = CrawlRecord(
                url=url,
                source=self.source.name,
                status="failed",
                depth=self.visiting.get(url, 0),
                fetched_url=self.scope.to_fetch(url),
                error=f"deadline: max_crawl_s={self.source.max_crawl_s:g} s passed while it was fetched",
            )

    # -------------------------------------------------------------------------------- fetching
    async def _worker(self, bar: _Progress) -> None:
        while True:
            url, depth = await self.queue.get()
            self.visiting[url] = depth
            try:
                await self._visit(url, depth)
            except Exception as exc:  # never let one URL kill the crawl
                log.exception("unexpected error on %s", url)
                self.records[url] = CrawlRecord(
                    url=url,
                    source=self.source.name,
                    status="failed",
                    depth=depth,
                    error=f"{type(exc).__name__}: {exc}",
                )
            finally:
                bar.advance(url)
                self.queue.task_done()
                if url in self.records:  # else cancelled by the deadline: _record_unfinished needs it
                    del self.visiting[url]

    # -------------------------------------------------------------------------------- state
    def _mark_gone(self) -> None:
        if self.truncated or self.incomplete:
            return  # an incomplete crawl proves nothing about URLs it did not reach
        for url, prev in self.state.records.items():
            if url not in self.records and prev.status != "gone":
                self.records[url] = prev.model_copy(
                    update={"status": "gone", "fetched_at": utcnow(), "error": "no longer linked or listed"}
                )

    def _save_state(self) -> None:
        new: dict[str, CrawlRecord] = {}
        for url, rec in self.records.items():
            prev = self.state.get(url)
            if rec.status in ("new", "changed", "unchanged"):
                new[url] = rec
            elif rec.status in ("failed", "skipped") and prev is not None and prev.status != "gone":
                new[url] = prev  # keep what we knew; a transient failure is not a deletion
        if self.truncated or self.incomplete:  # not reached this time is not gone: remember for the next run
            for url, prev in self.state.records.items():
                if url not in self.records:
                    new[url] = prev
        self.state.replace(new)


class _Progress:
    def __init__(self, enabled: bool, name: str) -> None:
        self._bar = None
        if enabled:
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._bar = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TextColumn("{task.completed} URLs"),
                TimeElapsedColumn(),
                transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task(f"crawl {name}", total=None)

    def advance(self, url: str) -> None:
        if self._bar is not None:
            self._bar.update(self._task, advance=1, description=urlsplit(url).path[:60])

    def close(self) -> None:
        if self._bar is not None:
            with contextlib.suppress(Exception):
                self._bar.stop()
