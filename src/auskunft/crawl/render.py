"""JavaScript rendering of one crawled page with crawl4ai's browser mode on Debian's chromium.

The pieces: browser.py runs chromium with no network of its own and watches its memory; routing.py answers
every request a page makes with the crawl's guarded fetcher (the main document with the bytes the crawler
already fetched and checked); this module renders a page: crawl4ai loads it over CDP, lazy lists are
expanded (expand.py), and our own snapshot of the DOM is taken, refused when it is too large.

Limits of one render: chromium's process tree may not grow more than `max_browser_mb` PSS above its idle size
(the watchdog kills it), the
render ends after `timeout_s` + `max_expand_s` + RENDER_GRACE_S (or the browser is killed), a DOM of more
than MAX_SNAPSHOT_ELEMENTS elements or over `max_snapshot_bytes` is refused before it is serialised or
stored. A killed browser fails the page with RenderLimitError; the next render starts a fresh one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from auskunft.crawl.browser import MAX_BROWSER_MB, Chromium, descendants, tree_pss_mb
from auskunft.crawl.expand import expand_lists, snapshot
from auskunft.crawl.routing import Document, RequestRouter
from auskunft.crawl.scope import normalize
from auskunft.errors import AuskunftError, FetchError

if TYPE_CHECKING:
    from crawl4ai import AsyncWebCrawler

    from auskunft.crawl.fetcher import Fetcher

log = logging.getLogger(__name__)
__all__ = ["MAX_BROWSER_MB", "BrowserRenderer", "RenderLimitError", "descendants", "tree_pss_mb"]

MAX_SNAPSHOT_ELEMENTS = 300_000  # DOM elements a rendered page may have (a long real page has < 20,000)
RENDER_GRACE_S = 15.0  # a render ends at timeout_s + max_expand_s + this, or the browser is killed


class BrowserRenderer:
    """Renders pages in one chromium process shared by a crawl; `await start()` (idempotent) / `await close()`.

    `fetcher` makes every request for the browser, `request_ok` is the scope check on a request's URL;
    without them the browser gets the main document and nothing else.
    """

    def __init__(
        self,
        *,
        timeout_s: float = 30.0,
        user_agent: str | None = None,
        request_ok: Callable[[str], bool] | None = None,
        fetcher: Fetcher | None = None,
        start_timeout_s: float = 30.0,
        expand: bool = True,
        max_expand_rounds: int = 25,
        max_expand_s: float = 20.0,
        request_check: Callable[[str], Awaitable[str | None]] | None = None,
        max_snapshot_bytes: int = 30_000_000,
        max_browser_mb: int | None = None,  # above the idle browser; None: MAX_BROWSER_MB
    ) -> None:
        self.timeout_s = timeout_s
        self.max_snapshot_bytes = max_snapshot_bytes
        self.user_agent = user_agent
        self.expand = expand
        self.max_expand_rounds = max_expand_rounds
        self.max_expand_s = max_expand_s
        self.browser = Chromium(max_mb=max_browser_mb or MAX_BROWSER_MB, start_timeout_s=start_timeout_s)
        self.router = RequestRouter(fetcher=fetcher, request_ok=request_ok, request_check=request_check)
        self._crawler: AsyncWebCrawler | None = None

    @property
    def started(self) -> bool:
        return self._crawler is not None

    @property
    def max_browser_mb(self) -> int:
        return self.browser.max_mb

    @property
    def peak_browser_mb(self) -> float:
        """The highest PSS of chromium's process tree seen by the watchdog."""
        return self.browser.peak_mb

    @property
    def blocked(self) -> list[str]:
        """Requests the guard refused."""
        return self.router.blocked

    @property
    def escaped(self) -> list[str]:
        """Connections that reached the sink proxy (should stay empty)."""
        return self.browser.escaped

    async def start(self) -> None:
        if self._crawler is not None:
            return
        from crawl4ai import AsyncWebCrawler, BrowserConfig

        try:
            cdp = await self.browser.start()
            config = BrowserConfig(
                browser_mode="custom",
                cdp_url=cdp,
                headless=True,
                verbose=False,
                create_isolated_context=True,
                **({"user_agent": self.user_agent} if self.user_agent else {}),
            )
            crawler = AsyncWebCrawler(config=config)
            strategy: Any = crawler.crawler_strategy
            strategy.set_hook("on_page_context_created", self.router.install)
            strategy.set_hook("before_retrieve_html", self._before_snapshot)
            await crawler.start()
            await self.browser.set_idle()
        except BaseException:
            await self.close()
            raise
        self._crawler = crawler
        log.info("chromium started for rendering (%s)", cdp)

    async def _before_snapshot(self, page: Any, **_: Any) -> Any:
        """crawl4ai hook (before_retrieve_html): expand lazy lists, then take our own snapshot."""
        doc = self.router.documents.get(normalize(page.url) or page.url)
        if doc is None:  # the page is not the document we registered: no snapshot, render() fails
            return page
        if self.expand and await page.evaluate(
            "() => document.scripts.length > 0"
        ):  # no script: nothing loads
            key = id(page)
            res = await expand_lists(
                page,
                pending=lambda: self.router.pending.get(key, 0),
                max_rounds=self.max_expand_rounds,
                max_s=self.max_expand_s,
            )
            log.debug("expanded %s: %s", page.url, res)
        elements = await page.evaluate("() => document.getElementsByTagName('*').length")
        if elements > MAX_SNAPSHOT_ELEMENTS:  # refused before it is serialised
            doc.refused = f"DOM of {elements} elements (limit {MAX_SNAPSHOT_ELEMENTS})"
            return page
        html = await snapshot(page)
        if len(html) > self.max_snapshot_bytes:  # characters <= UTF-8 bytes: checked before it is stored
            doc.refused = f"rendered DOM of {len(html)} characters (max_file_bytes {self.max_snapshot_bytes})"
            return page
        doc.snapshot = html
        return page

    async def render(self, url: str, body: bytes, content_type: str | None = None) -> str:
        """The DOM of `body` (fetched from `url` by the guarded fetcher) after scripts ran, as HTML."""
        from crawl4ai import CacheMode, CrawlerRunConfig

        if self._crawler is None:
            raise RuntimeError("BrowserRenderer.start() was not called")
        key = normalize(url) or url
        doc = self.router.documents[key] = Document(body, _with_charset(content_type or "text/html", body))
        cfg = CrawlerRunConfig(
            cache_mode=CacheMode.BYPASS,
            page_timeout=int(self.timeout_s * 1000),
            wait_until="networkidle",
            verbose=False,
        )
        killed = ""
        self.browser.killed = ""
        limit_s = self.timeout_s + self.max_expand_s + RENDER_GRACE_S
        with self.browser.watching():
            try:
                async with asyncio.timeout(limit_s):
                    result: Any = await self._crawler.arun(key, config=cfg)
            except TimeoutError:
                killed = self.browser.killed or f"render stopped: no result after {limit_s:g} s"
            except Exception:
                if not self.browser.killed:  # else the watchdog killed the browser under crawl4ai's feet
                    raise
            finally:
                del self.router.documents[key]
        if killed := killed or self.browser.killed:
            await self._kill(killed)
        if doc.refused:
            raise RenderLimitError(f"render refused: {doc.refused}", code="render_limit")
        if doc.snapshot is None:
            raise FetchError(
                f"render failed: {result.error_message or 'no snapshot taken'}", transient=True, code="render"
            )
        if not result.success:
            # crawl4ai flags small or script-heavy pages as "Blocked by anti-bot protection" (a heuristic on
            # the HTML, antibot_detector.is_blocked, no switch to turn it off); the DOM is still there and
            # it is the configured site's own page, so we keep it.
            if not str(result.error_message or "").startswith("Blocked by anti-bot protection"):
                raise FetchError(f"render failed: {result.error_message}", transient=True, code="render")
        return utf8_declared(doc.snapshot)

    async def _kill(self, why: str) -> None:
        """Kill the browser (its next render starts a fresh one) and fail this page with `why`."""
        log.warning("%s; browser killed", why)
        self.browser.kill_tree()
        await self.close()
        raise RenderLimitError(why, code="render_limit")

    async def close(self) -> None:
        if self._crawler is not None:
            with contextlib.suppress(Exception):
                await self._crawler.close()
            self._crawler = None
        await self.browser.close()


_META_CHARSET = re.compile(
    r"<meta\s[^>]*(?:charset\s*=|http-equiv\s*=\s*[\"']?content-type)[^>]*>", re.IGNORECASE
)


def utf8_declared(html: str) -> str:
    """The snapshot is stored as UTF-8: replace the page's own charset declarations with one that says so."""
    html = _META_CHARSET.sub("", html)
    head = re.search(r"<head(?:\s[^>]*)?>", html[:8192], re.IGNORECASE)
    at = head.end() if head else 0
    return html[:at] + '<meta charset="utf-8">' + html[at:]


def _with_charset(content_type: str, body: bytes) -> str:
    """Chromium reads an unlabelled document as windows-1252; UTF-8 bodies without a label are labelled."""
    if "charset" in content_type.lower() or re.search(rb"<meta[^>]+charset", body[:4096], re.I):
        return content_type
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return content_type
    return content_type + "; charset=utf-8"


class RenderLimitError(AuskunftError):
    """A page passed a render limit (browser memory, time, snapshot size): not retried, HTTP body kept."""

    code = "render_limit"
