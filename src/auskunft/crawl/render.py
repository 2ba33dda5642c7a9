"""JavaScript rendering with crawl4ai's browser mode on Debian's chromium.

Playwright's own browser download is not available here (and not wanted in production images), so we
start the system chromium with a remote-debugging port and hand crawl4ai the CDP endpoint
(`BrowserConfig(browser_mode="custom", cdp_url=...)`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import socket
import subprocess
import tempfile
import time
from typing import TYPE_CHECKING

import httpx

from auskunft.errors import ConfigError, FetchError

if TYPE_CHECKING:
    from crawl4ai import AsyncWebCrawler

log = logging.getLogger(__name__)

CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--mute-audio", "--remote-debugging-address=127.0.0.1",
]


def find_chromium() -> str:
    for candidate in (os.environ.get("CHROMIUM_PATH"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and (path := shutil.which(candidate)):
            return path
    raise ConfigError("no chromium found for render_js sources: apt-get install chromium (or set CHROMIUM_PATH)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class BrowserRenderer:
    """Renders pages in one chromium process shared by a crawl; `await start()` / `await close()`."""

    def __init__(self, *, timeout_s: float = 30.0, user_agent: str | None = None) -> None:
        self.timeout_s = timeout_s
        self.user_agent = user_agent
        self._proc: subprocess.Popen[bytes] | None = None
        self._profile: tempfile.TemporaryDirectory[str] | None = None
        self._crawler: AsyncWebCrawler | None = None

    async def start(self) -> None:
        if self._crawler is not None:
            return
        from crawl4ai import AsyncWebCrawler, BrowserConfig

        port = _free_port()
        self._profile = tempfile.TemporaryDirectory(prefix="auskunft-chromium-")
        self._proc = subprocess.Popen(  # noqa: S603 - fixed binary and flags
            [find_chromium(), *CHROMIUM_FLAGS, f"--remote-debugging-port={port}",
             f"--user-data-dir={self._profile.name}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        cdp = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        async with httpx.AsyncClient(trust_env=False) as client:
            while True:
                try:
                    if (await client.get(cdp + "/json/version", timeout=1)).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or self._proc.poll() is not None:
                    await self.close()
                    raise FetchError("chromium did not start (is Debian's chromium installed?)")
                await asyncio.sleep(0.1)
        config = BrowserConfig(browser_mode="custom", cdp_url=cdp, headless=True, verbose=False,
                               **({"user_agent": self.user_agent} if self.user_agent else {}))
        self._crawler = AsyncWebCrawler(config=config)
        await self._crawler.start()

    async def render(self, url: str) -> str:
        """The DOM after scripts ran, as HTML."""
        from crawl4ai import CacheMode, CrawlerRunConfig

        assert self._crawler is not None, "call start() first"
        cfg = CrawlerRunConfig(cache_mode=CacheMode.BYPASS, page_timeout=int(self.timeout_s * 1000),
                               wait_until="networkidle", verbose=False)
        result = await self._crawler.arun(url, config=cfg)
        if not result.success:
            raise FetchError(f"render failed: {result.error_message}", transient=True, code="render")
        return result.html

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
            self._proc = None
        if self._profile is not None:
            self._profile.cleanup()
            self._profile = None
