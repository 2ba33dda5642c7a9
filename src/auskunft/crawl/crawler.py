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

from auskunft.crawl.discovery import (
    SitemapBudget,
    crawl_delay,
    parse_html_links,
    parse_robots,
    parse_sitemap,
    sitemaps_in_robots,
)
from auskunft.crawl.fetcher import Fetcher, FetchResult, RateLimiter, kind_of
from auskunft.crawl.render import BrowserRenderer
from auskunft.crawl.scope import Scope, normalize, origin_of, unicode_alternative
from auskunft.crawl.store import CrawlState, RawStore
from auskunft.errors import AuskunftError, BlockedURLError, FetchError
from auskunft.models import CrawlManifest, CrawlRecord, Source, sha256_bytes, utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_CRAWL_DELAY_S = 60.0  # a robots.txt Crawl-delay above this is capped (logged)
MAX_SITEMAPS = 100  # sitemap files read per start URL (indexes included)
SITEMAP_BYTES_FACTOR = 4  # sitemap bytes parsed per start URL: this many times max_file_bytes


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
) -> CrawlManifest:
    """Crawl a source and return the manifest; the state is updated, raw bodies land in the store."""
    return run_sync(
        Crawler(source, raw_store, state, progress=progress).run(run_id or utcnow().strftime("%Y%m%dT%H%M%S"))
    )


class Crawler:
    """One crawl of one source (use crawl_source); holds the run's queue, records and robots cache."""

    def __init__(
        self, source: Source, raw_store: RawStore, state: CrawlState, *, progress: bool = False
    ) -> None:
        self.source = source
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

    def _out_of_time(self, what: str) -> None:
        """The crawl's deadline (max_crawl_s) passed: it ends like a truncated one (nothing marked gone)."""
        log.warning(
            "crawl of %s stopped after max_crawl_s=%g s %s", self.source.name, self.source.max_crawl_s, what
        )
        self.truncated = True

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

    # -------------------------------------------------------------------------------- fetching
    async def _worker(self, bar: _Progress) -> None:
        while True:
            url, depth = await self.queue.get()
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

    async def _visit(self, url: str, depth: int) -> None:
        src = self.source
        rec = CrawlRecord(
            url=url, source=src.name, status="failed", depth=depth, fetched_url=self.scope.to_fetch(url)
        )
        prev = self.state.get(url)
        if src.respect_robots and not (await self._robots_for(url)).can_fetch(src.user_agent, url):
            if origin_of(url) in self.robots_unavailable:  # site trouble, not a policy: keep what we know
                rec.error = f"robots.txt unavailable ({self.robots_unavailable[origin_of(url)]}): not fetched"
                self.incomplete = True
            else:  # never requested; a page the site now disallows leaves the index
                rec.status, rec.error = (
                    ("gone" if prev is not None else "skipped"),
                    "disallowed by robots.txt",
                )
            self.records[url] = rec
            return
        have_prev = prev is not None and prev.sha256 is not None and self.store.has(prev.sha256)
        lastmod = self.lastmods.get(url)
        if (
            src.trust_sitemap_lastmod
            and have_prev
            and prev is not None
            and lastmod
            and prev.sitemap_lastmod == lastmod
            and (prev.rendered or self.renderer is None or kind_of(prev.content_type, url) != "html")
        ):
            # the sitemap says it has not changed since the last fetch: no request at all
            rec = prev.model_copy(
                update={"status": "unchanged", "depth": depth, "error": None, "http_status": None}
            )
            self._discover(rec, self.store.get(prev.sha256 or ""), depth)
            return
        try:
            res = await self.fetcher.fetch(
                rec.fetched_url or url,
                etag=prev.etag if have_prev and prev else None,
                last_modified=prev.last_modified if have_prev and prev else None,
                redirect_ok=self.scope.host_allowed,
            )
        except BlockedURLError as exc:
            rec.status, rec.error = "skipped", str(exc)
            self.records[url] = rec
            return
        except FetchError as exc:
            rec.error, rec.http_status = str(exc), _status_from(exc.code)
            alt = unicode_alternative(url) if rec.http_status in (404, 410) else None
            if alt is not None and self._claim(alt):  # NFD link to an NFC file name (or the other way round)
                rec.status, rec.error = (
                    ("gone" if prev is not None else "skipped"),
                    f"{exc}; fetched as {alt}",
                )
                self.records[url] = rec
                await self._visit(alt, depth)
                return
            if prev is not None and rec.http_status in (404, 410):
                rec.status = "gone"
            elif exc.transient:
                self._follow_previous_links(url, depth, prev if have_prev else None)
            self.records[url] = rec
            return
        final = self.scope.to_public(normalize(res.url) or res.url)
        if final != url:  # redirected: the content belongs to the final URL, recorded once
            self.records[url] = rec.model_copy(update={"status": "skipped", "error": f"redirects to {final}"})
            if res.status == 304 or not self._claim(final):
                self._enqueue(final, depth)  # no-op when already seen or out of scope
                return
            url, prev = final, self.state.get(final)
            have_prev = prev is not None and prev.sha256 is not None and self.store.has(prev.sha256)
            rec = CrawlRecord(url=url, source=src.name, status="failed", depth=depth, fetched_url=res.url)
        if res.status == 304 and prev is not None:
            rec = prev.model_copy(
                update={
                    "status": "unchanged",
                    "depth": depth,
                    "fetched_at": utcnow(),
                    "http_status": 304,
                    "error": None,
                    "fetched_url": rec.fetched_url,
                    "etag": res.etag or prev.etag,
                    "last_modified": res.last_modified or prev.last_modified,
                    "sitemap_lastmod": lastmod,
                }
            )
            body = self.store.get(prev.sha256 or "")
            if self._wants_render(rec) and not prev.rendered:  # a render that failed last time
                body = await self._render_into(rec, res.url, body, prev)
        else:
            rec.sitemap_lastmod = self.lastmods.get(url)
            body = await self._store_body(rec, res, prev if have_prev else None)
        self._discover(rec, body, depth)

    def _discover(self, rec: CrawlRecord, body: bytes, depth: int) -> None:
        """Record the result; an HTML body's links are queued and its <title> kept."""
        if kind_of(rec.content_type, rec.url) == "html":
            links, title = parse_html_links(body, rec.url)
            rec.title = rec.title or title
            for link in links:
                self._enqueue(link, depth + 1)
        self.records[rec.url] = rec

    async def _store_body(self, rec: CrawlRecord, res: FetchResult, prev: CrawlRecord | None) -> bytes:
        """Fill rec from a 200 response (rendering first when the source wants it); returns the stored body."""
        body = res.body or b""
        rec.http_status, rec.etag, rec.last_modified = res.status, res.etag, res.last_modified
        rec.content_type = (res.content_type or "").split(";")[0].strip().lower() or None
        if (
            rec.content_type in (None, "application/octet-stream")
            and kind_of(rec.content_type, rec.url) == "pdf"
        ):
            rec.content_type = "application/pdf"
        rec.http_sha256 = sha256_bytes(body)
        if (
            prev is not None
            and prev.http_sha256 == rec.http_sha256
            and (prev.rendered or not self._wants_render(rec))
        ):
            rec.status, rec.sha256, rec.rendered = "unchanged", prev.sha256, prev.rendered
            rec.size, rec.title = prev.size, prev.title
            return self.store.get(prev.sha256 or "")
        if self._wants_render(rec):
            return await self._render_into(rec, res.url, body, prev, res.content_type)
        return await self._put(rec, body, prev)

    def _wants_render(self, rec: CrawlRecord) -> bool:
        return self.renderer is not None and kind_of(rec.content_type, rec.url) == "html"

    async def _render_into(
        self,
        rec: CrawlRecord,
        fetch_url: str,
        http_body: bytes,
        prev: CrawlRecord | None,
        content_type: str | None = None,  # the response's header, with its charset
    ) -> bytes:
        """Render `http_body`, the document the guarded HTTP fetch got from `fetch_url`, and store the DOM.

        The browser never fetches the document itself (render.py), so what is rendered is what was checked.

        One retry; if rendering still fails the HTTP body is stored (rendered=False, reason in error) and the
        next run renders again even when the page is unchanged.
        """
        assert self.renderer is not None
        for attempt in (1, 2):
            try:
                async with self._renderer_lock:
                    await self.renderer.start()  # idempotent
                html = await self.renderer.render(fetch_url, http_body, content_type or rec.content_type)
                body = html.encode("utf-8")
                rec.rendered, rec.error = True, None
                return await self._put(rec, body, prev)
            except FetchError as exc:
                log.info("rendering %s failed (attempt %d): %s", rec.url, attempt, exc)
                error: AuskunftError = exc
            except AuskunftError as exc:  # e.g. no chromium: no point in retrying
                error = exc
                break
        log.warning("rendering %s failed, keeping the HTTP body: %s", rec.url, error)
        rec.rendered, rec.error = False, f"not rendered: {error}"
        return await self._put(rec, http_body, prev)

    async def _put(self, rec: CrawlRecord, body: bytes, prev: CrawlRecord | None) -> bytes:
        rec.sha256 = await asyncio.to_thread(self.store.put, body)  # fsync off the event loop
        rec.size = len(body)
        if prev is None:
            rec.status = "new"
        else:
            rec.status = "unchanged" if prev.sha256 == rec.sha256 else "changed"
        return body

    def _follow_previous_links(self, url: str, depth: int, prev: CrawlRecord | None) -> None:
        """A page failed transiently: follow the links of its last stored body so its children are not lost."""
        if prev is not None and prev.sha256 and kind_of(prev.content_type, url) == "html":
            links, _ = parse_html_links(self.store.get(prev.sha256), url)
            for link in links:
                self._enqueue(link, depth + 1)
        elif prev is None or kind_of(prev.content_type, url) == "html":
            self.incomplete = True  # pages only linked from here would look gone

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


def _status_from(code: str) -> int | None:
    return int(code[5:]) if code.startswith("http_") and code[5:].isdigit() else None


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
