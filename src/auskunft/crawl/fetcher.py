"""HTTP fetching with politeness and safety: conditional GET, size and type limits, guarded redirects.

Raw bytes come over httpx (streamed, so a 50 MB file is cut at max_file_bytes without being read and a
304 costs no body); HTML that needs JavaScript is then rendered by crawl4ai's browser mode (render.py).
crawl4ai's own HTTP strategy decodes bodies to text and raises on 304, so it cannot do conditional GETs
of PDFs; it is used for rendering and HTML processing instead.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass

import httpx

from auskunft.crawl.guard import check_url
from auskunft.errors import BlockedURLError, FetchError

HTML_TYPES = ("text/html", "application/xhtml+xml")
PDF_TYPES = ("application/pdf", "application/x-pdf")


@dataclass
class FetchResult:
    url: str  # final fetched URL (after redirects)
    status: int
    content_type: str | None = None
    body: bytes | None = None  # None on 304
    etag: str | None = None
    last_modified: str | None = None


def kind_of(content_type: str | None, url: str) -> str:
    ct = (content_type or "").split(";")[0].strip().lower()
    if ct in HTML_TYPES:
        return "html"
    if ct in PDF_TYPES or (ct in ("application/octet-stream", "") and url.lower().endswith(".pdf")):
        return "pdf"
    return "other"


class RateLimiter:
    """At most `rate` request starts per second and `concurrency` requests in flight per host."""

    def __init__(self, rate: float, concurrency: int) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.concurrency = max(1, concurrency)
        self._next: dict[str, float] = defaultdict(float)
        self._locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._sems: dict[str, asyncio.Semaphore] = {}

    def semaphore(self, host: str) -> asyncio.Semaphore:
        if host not in self._sems:
            self._sems[host] = asyncio.Semaphore(self.concurrency)
        return self._sems[host]

    async def wait(self, host: str) -> None:
        async with self._locks[host]:
            now = time.monotonic()
            start = max(now, self._next[host])
            self._next[host] = start + self.interval
        if start > now:
            await asyncio.sleep(start - now)


class Fetcher:
    def __init__(self, *, user_agent: str, timeout_s: float, max_bytes: int, allow_private: bool,
                 limiter: RateLimiter, max_redirects: int = 5) -> None:
        self.max_bytes = max_bytes
        self.allow_private = allow_private
        self.limiter = limiter
        self.max_redirects = max_redirects
        self.client = httpx.AsyncClient(
            headers={"User-Agent": user_agent, "Accept": "text/html,application/xhtml+xml,application/pdf;q=0.9,*/*;q=0.5"},
            timeout=httpx.Timeout(timeout_s),
            follow_redirects=False,
            trust_env=False,
        )

    async def aclose(self) -> None:
        await self.client.aclose()

    async def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
                    accept_kinds: tuple[str, ...] = ("html", "pdf")) -> FetchResult:
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = url
        for _ in range(self.max_redirects + 1):
            await check_url(current, allow_private=self.allow_private)
            host = httpx.URL(current).host
            async with self.limiter.semaphore(host):
                await self.limiter.wait(host)
                result = await self._get(current, headers, accept_kinds)
            if isinstance(result, str):  # redirect target
                current = result
                continue
            return result
        raise FetchError(f"too many redirects from {url}")

    async def _get(self, url: str, headers: dict[str, str], accept_kinds: tuple[str, ...]) -> FetchResult | str:
        try:
            async with self.client.stream("GET", url, headers=headers) as resp:
                if resp.status_code in (301, 302, 303, 307, 308) and "location" in resp.headers:
                    return str(resp.url.join(resp.headers["location"]))
                common = {
                    "url": str(resp.url), "status": resp.status_code,
                    "content_type": resp.headers.get("content-type"),
                    "etag": resp.headers.get("etag"), "last_modified": resp.headers.get("last-modified"),
                }
                if resp.status_code == 304:
                    return FetchResult(**common)
                if resp.status_code >= 400:
                    transient = resp.status_code in (408, 425, 429) or resp.status_code >= 500
                    raise FetchError(f"HTTP {resp.status_code}", transient=transient, code=f"http_{resp.status_code}")
                kind = kind_of(common["content_type"], url)
                if "any" not in accept_kinds and kind not in accept_kinds:
                    raise BlockedURLError(f"content type {common['content_type']!r} not crawled", code="content_type")
                declared = resp.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > self.max_bytes:
                    raise BlockedURLError(f"file too large ({declared} bytes > {self.max_bytes})", code="too_large")
                chunks, size = [], 0
                async for chunk in resp.aiter_bytes():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise BlockedURLError(f"file too large (> {self.max_bytes} bytes)", code="too_large")
                    chunks.append(chunk)
                return FetchResult(body=b"".join(chunks), **common)
        except httpx.TimeoutException as exc:
            raise FetchError(f"timeout: {type(exc).__name__}", transient=True, code="timeout") from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"{type(exc).__name__}: {exc}", transient=True, code="network") from exc
