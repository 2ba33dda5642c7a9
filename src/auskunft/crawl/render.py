"""JavaScript rendering with crawl4ai's browser mode on Debian's chromium.

crawl4ai 0.9.5's BrowserConfig has no executable-path option, and Playwright's own browser download is
not available here (nor wanted in production images). So we start the system chromium ourselves with
`--remote-debugging-port=0`, read the port it chose from `DevToolsActivePort` in its fresh profile
directory, and hand crawl4ai the CDP endpoint (`BrowserConfig(browser_mode="custom", cdp_url=...)`).

Every request the page makes (scripts, styles, XHR, iframes, redirects) passes a route guard
(`request_ok`): requests to hosts outside the source's scope are aborted, so rendering cannot reach
the internet, cloud metadata addresses or other internal services.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from auskunft.errors import ConfigError, FetchError

if TYPE_CHECKING:
    from crawl4ai import AsyncWebCrawler

log = logging.getLogger(__name__)

CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--mute-audio",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
]


def find_chromium() -> str:
    for candidate in (os.environ.get("CHROMIUM_PATH"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and (path := shutil.which(candidate)):
            return path
    raise ConfigError(
        "no chromium found for render_js sources: apt-get install chromium (or set CHROMIUM_PATH)"
    )


class BrowserRenderer:
    """Renders pages in one chromium process shared by a crawl; `await start()` (idempotent) / `await close()`."""

    def __init__(
        self,
        *,
        timeout_s: float = 30.0,
        user_agent: str | None = None,
        request_ok: Callable[[str], bool] | None = None,
        start_timeout_s: float = 30.0,
    ) -> None:
        self.timeout_s = timeout_s
        self.user_agent = user_agent
        self.request_ok = request_ok
        self.start_timeout_s = start_timeout_s
        self.blocked: list[str] = []  # requests the route guard aborted
        self._proc: subprocess.Popen[bytes] | None = None
        self._profile: tempfile.TemporaryDirectory[str] | None = None
        self._crawler: AsyncWebCrawler | None = None

    @property
    def started(self) -> bool:
        return self._crawler is not None

    async def start(self) -> None:
        if self._crawler is not None:
            return
        from crawl4ai import AsyncWebCrawler, BrowserConfig

        self._profile = tempfile.TemporaryDirectory(prefix="auskunft-chromium-")
        self._proc = subprocess.Popen(  # noqa: S603 - fixed binary and flags
            [find_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={self._profile.name}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            cdp = await self._wait_for_cdp(Path(self._profile.name) / "DevToolsActivePort")
            config = BrowserConfig(
                browser_mode="custom",
                cdp_url=cdp,
                headless=True,
                verbose=False,
                create_isolated_context=True,
                **({"user_agent": self.user_agent} if self.user_agent else {}),
            )
            crawler = AsyncWebCrawler(config=config)
            crawler.crawler_strategy.set_hook("on_page_context_created", self._guard_page)  # type: ignore[attr-defined]
            await crawler.start()
        except BaseException:
            await self.close()
            raise
        self._crawler = crawler
        log.info("chromium started for rendering (%s)", cdp)

    async def _wait_for_cdp(self, port_file: Path) -> str:
        assert self._proc is not None
        deadline = time.monotonic() + self.start_timeout_s
        async with httpx.AsyncClient(trust_env=False) as client:
            while time.monotonic() < deadline and self._proc.poll() is None:
                lines = port_file.read_text().split() if port_file.exists() else []
                if lines and lines[0].isdigit():
                    cdp = f"http://127.0.0.1:{lines[0]}"
                    with contextlib.suppress(httpx.HTTPError):
                        if (await client.get(cdp + "/json/version", timeout=1)).status_code == 200:
                            return cdp
                await asyncio.sleep(0.1)
        raise FetchError(
            "chromium did not start (is Debian's chromium installed? CHROMIUM_PATH?)", code="render"
        )

    async def _guard_page(self, page: Any, context: Any = None, **_: Any) -> Any:
        """crawl4ai hook (on_page_context_created): install the route guard once per browser context.

        crawl4ai reuses pages of the CDP browser's default context, so the guard goes on the context.
        """
        if self.request_ok is None or context is None or getattr(context, "_auskunft_guarded", False):
            return page
        context._auskunft_guarded = True  # set before awaiting: concurrent renders share the context
        request_ok = self.request_ok

        async def route(r: Any) -> None:
            url = r.request.url
            if url.startswith(("data:", "blob:", "about:")) or request_ok(url):
                await r.continue_()
            else:
                self.blocked.append(url)
                await r.abort()

        await context.route("**/*", route)
        return page

    async def render(self, url: str) -> str:
        """The DOM after scripts ran, as HTML."""
        from crawl4ai import CacheMode, CrawlerRunConfig

        if self._crawler is None:
            raise RuntimeError("BrowserRenderer.start() was not called")
        cfg = CrawlerRunConfig(
            cache_mode=CacheMode.BYPASS,
            page_timeout=int(self.timeout_s * 1000),
            wait_until="networkidle",
            verbose=False,
        )
        result: Any = await self._crawler.arun(url, config=cfg)
        if not result.success:
            # crawl4ai flags small or script-heavy pages as "Blocked by anti-bot protection" (a heuristic on
            # the HTML, antibot_detector.is_blocked, no switch to turn it off); the DOM is still there and
            # it is the configured site's own page, so we keep it.
            blocked_guess = str(result.error_message or "").startswith("Blocked by anti-bot protection")
            if not (blocked_guess and result.html and (result.status_code or 200) < 400):
                raise FetchError(f"render failed: {result.error_message}", transient=True, code="render")
        return str(result.html)

    async def close(self) -> None:
        if self._crawler is not None:
            with contextlib.suppress(Exception):
                await self._crawler.close()
            self._crawler = None
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=5)
            self._proc = None
        if self._profile is not None:
            with contextlib.suppress(OSError):
                self._profile.cleanup()
            self._profile = None
