"""Crawl one source: discovery, politeness, change detection, manifest."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from auskunft.crawl.discovery import parse_html_links, parse_robots, parse_sitemap, sitemaps_in_robots
from auskunft.crawl.fetcher import Fetcher, RateLimiter, kind_of
from auskunft.crawl.render import BrowserRenderer
from auskunft.crawl.scope import Scope, origin_of
from auskunft.crawl.store import CrawlState, RawStore
from auskunft.errors import AuskunftError, BlockedURLError, FetchError
from auskunft.models import CrawlManifest, CrawlRecord, Source, sha256_bytes, utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")


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


def crawl_source(source: Source, *, raw_store: RawStore, state: CrawlState, progress: bool = False,
                 run_id: str | None = None) -> CrawlManifest:
    """Crawl a source and return the manifest; the state is updated, raw bodies land in the store."""
    return run_sync(Crawler(source, raw_store, state, progress=progress).run(run_id or utcnow().strftime("%Y%m%dT%H%M%S")))


class Crawler:
    def __init__(self, source: Source, raw_store: RawStore, state: CrawlState, *, progress: bool = False) -> None:
        self.source = source
        self.store = raw_store
        self.state = state
        self.scope = Scope(source)
        self.progress = progress
        self.records: dict[str, CrawlRecord] = {}
        self.seen: set[str] = set()
        self.robots: dict[str, RobotFileParser] = {}
        self.robots_text: dict[str, str | None] = {}
        self.truncated = False
        self.renderer: BrowserRenderer | None = None

    async def run(self, run_id: str) -> CrawlManifest:
        started = utcnow()
        src = self.source
        self.fetcher = Fetcher(user_agent=src.user_agent, timeout_s=src.timeout_s, max_bytes=src.max_file_bytes,
                               allow_private=src.allow_private,
                               limiter=RateLimiter(src.rate_limit_per_s, src.concurrency))
        self.queue: asyncio.Queue[tuple[str, int]] = asyncio.Queue()
        bar = _Progress(self.progress, src.name)
        try:
            if src.render_js:  # started lazily: an unchanged re-crawl never launches the browser
                self.renderer = BrowserRenderer(timeout_s=src.timeout_s)
                self._renderer_lock = asyncio.Lock()
            for url in self.scope.start_urls:
                self._enqueue(url, 0)
            if src.use_sitemap:
                for url in await self._sitemap_urls():
                    self._enqueue(url, 1)
            workers = [asyncio.create_task(self._worker(bar)) for _ in range(max(1, src.concurrency))]
            await self.queue.join()
            for w in workers:
                w.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        finally:
            bar.close()
            await self.fetcher.aclose()
            if self.renderer is not None:
                await self.renderer.close()
        self._mark_gone()
        self._save_state()
        return CrawlManifest(source=src.name, run_id=run_id, started_at=started, finished_at=utcnow(),
                             records=sorted(self.records.values(), key=lambda r: r.url))

    # -------------------------------------------------------------------------------- discovery
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

    async def _robots_for(self, url: str) -> RobotFileParser:
        origin = origin_of(url)
        if origin not in self.robots:
            text, disallow_all = None, False
            try:
                res = await self.fetcher.fetch(self.scope.to_fetch(origin + "/robots.txt"), accept_kinds=("any",))
                text = (res.body or b"").decode("utf-8", "replace")
            except FetchError as exc:
                # 4xx: no robots.txt, everything allowed; 5xx/timeouts: assume disallowed (as search engines do)
                disallow_all = exc.transient
            self.robots[origin] = parse_robots(text, disallow_all=disallow_all)
            self.robots_text[origin] = text
        return self.robots[origin]

    async def _sitemap_urls(self) -> list[str]:
        found: list[str] = []
        for start in self.scope.start_urls:
            origin = origin_of(start)
            await self._robots_for(start)
            candidates = sitemaps_in_robots(self.robots_text.get(origin)) or [origin + "/sitemap.xml"]
            pending, done = list(candidates), set()
            while pending and len(done) < 20:
                sm = self.scope.to_public(pending.pop(0))
                if sm in done:
                    continue
                done.add(sm)
                try:
                    res = await self.fetcher.fetch(self.scope.to_fetch(sm), accept_kinds=("any",))
                except (FetchError, AuskunftError) as exc:
                    log.info("sitemap %s not used: %s", sm, exc)
                    continue
                pages, nested = parse_sitemap(res.body or b"")
                found += pages
                pending += nested
        return found

    # -------------------------------------------------------------------------------- fetching
    async def _worker(self, bar: _Progress) -> None:
        while True:
            url, depth = await self.queue.get()
            try:
                await self._visit(url, depth)
            except Exception as exc:  # never let one URL kill the crawl
                log.exception("unexpected error on %s", url)
                self.records[url] = CrawlRecord(url=url, source=self.source.name, status="failed", depth=depth,
                                                error=f"{type(exc).__name__}: {exc}")
            finally:
                bar.advance(url)
                self.queue.task_done()

    async def _visit(self, url: str, depth: int) -> None:
        src = self.source
        rec = CrawlRecord(url=url, source=src.name, status="failed", depth=depth, fetched_url=self.scope.to_fetch(url))
        if src.respect_robots and not (await self._robots_for(url)).can_fetch(src.user_agent, url):
            rec.status, rec.error = "skipped", "disallowed by robots.txt"
            self.records[url] = rec
            return
        prev = self.state.get(url)
        have_prev = prev is not None and prev.sha256 is not None and self.store.has(prev.sha256)
        try:
            res = await self.fetcher.fetch(
                rec.fetched_url or url,
                etag=prev.etag if have_prev and prev else None,
                last_modified=prev.last_modified if have_prev and prev else None,
            )
        except BlockedURLError as exc:
            rec.status, rec.error = "skipped", str(exc)
            self.records[url] = rec
            return
        except FetchError as exc:
            rec.error, rec.http_status = str(exc), _status_from(exc.code)
            if prev is not None and rec.http_status in (404, 410):
                rec.status = "gone"
            self.records[url] = rec
            return
        rec.http_status, rec.etag, rec.last_modified = res.status, res.etag, res.last_modified
        if res.status == 304 and prev is not None:
            rec = prev.model_copy(update={"status": "unchanged", "depth": depth, "fetched_at": utcnow(),
                                          "http_status": 304, "error": None})
            body = self.store.get(prev.sha256 or "")
        else:
            body = res.body or b""
            rec.content_type = (res.content_type or "").split(";")[0].strip() or None
            rec.http_sha256 = sha256_bytes(body)
            if prev is not None and prev.http_sha256 == rec.http_sha256 and have_prev:
                rec.status, rec.sha256, rec.rendered = "unchanged", prev.sha256, prev.rendered
                rec.size, rec.title = prev.size, prev.title
                body = self.store.get(prev.sha256 or "")
            else:
                if self.renderer is not None and kind_of(rec.content_type, url) == "html":
                    try:
                        async with self._renderer_lock:
                            await self.renderer.start()  # idempotent
                        body = (await self.renderer.render(rec.fetched_url or url)).encode("utf-8")
                        rec.rendered = True
                    except FetchError as exc:
                        log.warning("rendering %s failed, keeping the HTTP body: %s", url, exc)
                rec.sha256 = self.store.put(body)
                rec.size = len(body)
                rec.status = "new" if prev is None or prev.sha256 is None else (
                    "unchanged" if prev.sha256 == rec.sha256 else "changed")
        if kind_of(rec.content_type, url) == "html":
            base = self.scope.to_public(res.url) if res.status != 304 else url
            links, title = parse_html_links(body, base)
            rec.title = rec.title or title
            for link in links:
                self._enqueue(link, depth + 1)
        self.records[url] = rec

    # -------------------------------------------------------------------------------- state
    def _mark_gone(self) -> None:
        if self.truncated:
            return  # an incomplete crawl proves nothing about URLs it did not reach
        for url, prev in self.state.records.items():
            if url not in self.records and prev.status != "gone":
                self.records[url] = prev.model_copy(update={"status": "gone", "fetched_at": utcnow(),
                                                            "error": "no longer linked or listed"})

    def _save_state(self) -> None:
        new: dict[str, CrawlRecord] = {}
        for url, rec in self.records.items():
            prev = self.state.get(url)
            if rec.status in ("new", "changed", "unchanged"):
                new[url] = rec
            elif rec.status in ("failed", "skipped") and prev is not None and prev.status != "gone":
                new[url] = prev  # keep what we knew; a transient failure is not a deletion
        self.state.replace(new)


def _status_from(code: str) -> int | None:
    return int(code[5:]) if code.startswith("http_") and code[5:].isdigit() else None


class _Progress:
    def __init__(self, enabled: bool, name: str) -> None:
        self._bar = None
        if enabled:
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed} URLs"),
                                 TimeElapsedColumn(), transient=False)
            self._bar.start()
            self._task = self._bar.add_task(f"crawl {name}", total=None)

    def advance(self, url: str) -> None:
        if self._bar is not None:
            self._bar.update(self._task, advance=1, description=urlsplit(url).path[:60])

    def close(self) -> None:
        if self._bar is not None:
            with contextlib.suppress(Exception):
                self._bar.stop()
