"""HTTP fetching with politeness and safety: conditional GET, size and type limits, guarded redirects.

All HTTP requests of a crawl (pages, PDFs, robots.txt, sitemaps, and every request of the rendering
browser, see render.py) go through `Fetcher`, over httpx, so one rate limiter, one SSRF guard and one size
limit cover every byte. The guard checks the address a connection is actually made to (transport.py); the
scope (`redirect_ok`) is checked for every redirect hop; Content-Encoding is decoded within max_bytes
(decode.py).

Why not crawl4ai's `AsyncHTTPCrawlerStrategy` for the HTTP part (checked against crawl4ai 0.9.5,
async_crawler_strategy.py `_handle_http`): it calls `response.read()` on the whole body before any check,
so `max_file_bytes` cannot stop a 2 GB download; it raises `HTTPStatusError` for every non-2xx status
without the response headers, so a 304 or a redirect `Location` cannot be read; aiohttp follows
redirects internally, so redirect hops cannot be checked by the SSRF guard or the scope; bodies of
non-HTML types are written to ~/.crawl4ai/downloads; HTML is decoded with a charset guess, so the raw
bytes (and their sha256) are lost.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from auskunft.crawl.decode import ACCEPT_ENCODING, BodyDecoder
from auskunft.crawl.guard import AddressGuard, Resolver, origin_key
from auskunft.crawl.transport import guarded_transport
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
    headers: dict[str, str] = field(default_factory=dict)  # a few response headers the browser needs


BROWSER_HEADERS = (
    "content-type",
    "set-cookie",
    "access-control-allow-origin",
    "access-control-allow-credentials",
)
REDIRECTS = (301, 302, 303, 307, 308)


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
        self._interval: dict[str, float] = {}  # per-host override (robots.txt Crawl-delay)

    def slow_down(self, host: str, interval_s: float) -> None:
        """Space requests to `host` at least `interval_s` apart (never faster than the source's rate)."""
        self._interval[host] = max(self.interval, interval_s)

    def semaphore(self, host: str) -> asyncio.Semaphore:
        if host not in self._sems:
            self._sems[host] = asyncio.Semaphore(self.concurrency)
        return self._sems[host]

    async def wait(self, host: str) -> None:
        async with self._locks[host]:
            now = time.monotonic()
            start = max(now, self._next[host])
            self._next[host] = start + self._interval.get(host, self.interval)
        if start > now:
            await asyncio.sleep(start - now)


class Fetcher:
    """GETs with per-host politeness; `timeout_s` bounds connect and each read, 5 x timeout_s a whole body."""

    def __init__(
        self,
        *,
        user_agent: str,
        timeout_s: float,
        max_bytes: int,
        allow_private: bool,
        limiter: RateLimiter,
        max_redirects: int = 5,
        trusted_origins: frozenset[tuple[str, str, int]] = frozenset(),
        to_fetch: Callable[[str], str] | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        self.to_fetch = to_fetch or (lambda url: url)  # host aliases apply to redirect targets too
        self.max_bytes = max_bytes
        self.guard = AddressGuard(
            allow_private=allow_private, trusted_origins=trusted_origins, resolver=resolver
        )
        self.total_timeout_s = 5 * timeout_s
        self.limiter = limiter
        self.max_redirects = max_redirects
        self.client = httpx.AsyncClient(
            headers={
                "User-Agent": user_agent,
                "Accept": "text/html,application/xhtml+xml,application/pdf;q=0.9,*/*;q=0.5",
                "Accept-Encoding": ACCEPT_ENCODING,  # only what decode.py bounds
            },
            timeout=httpx.Timeout(timeout_s),
            follow_redirects=False,
            trust_env=False,
            transport=guarded_transport(self.guard),
        )

    async def aclose(self) -> None:
        await self.client.aclose()

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept_kinds: tuple[str, ...] = ("html", "pdf"),
        redirect_ok: Callable[[str], bool] | None = None,
    ) -> FetchResult:
        """GET `url`, following up to max_redirects hops, each checked by the SSRF guard and `redirect_ok`.

        Returns status 200 with the body, or 304 without one. Raises BlockedURLError (policy: guard,
        scope, size, content type, encoding) or FetchError (HTTP >= 400 with code "http_<status>", network,
        timeout).
        """
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return await self._follow("GET", url, headers, None, accept_kinds, redirect_ok, errors=False)

    async def fetch_resource(
        self,
        url: str,
        *,
        method: str = "GET",
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
        redirect_ok: Callable[[str], bool] | None = None,
    ) -> FetchResult:
        """A request on behalf of the rendering browser: any content type, HTTP errors returned, not raised.

        Redirects are followed here (each hop guarded and scope-checked), so the browser never sees a hop.
        """
        if method not in ("GET", "HEAD", "POST"):
            raise BlockedURLError(f"{method} requests are not made by the crawler", code="method")
        return await self._follow(
            method, url, dict(headers or {}), content, ("any",), redirect_ok, errors=True
        )

    async def _follow(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        content: bytes | None,
        accept_kinds: tuple[str, ...],
        redirect_ok: Callable[[str], bool] | None,
        *,
        errors: bool,
    ) -> FetchResult:
        current = url
        for _ in range(self.max_redirects + 1):
            key = origin_key(current)
            if key is None:
                raise BlockedURLError(f"unsupported URL: {current}", code="ssrf")
            host = key[1]
            async with self.limiter.semaphore(host):
                await self.limiter.wait(host)
                try:
                    async with asyncio.timeout(self.total_timeout_s):
                        result = await self._request(method, current, headers, content, accept_kinds, errors)
                except TimeoutError as exc:
                    raise FetchError(
                        f"timeout: body not complete after {self.total_timeout_s:g} s",
                        transient=True,
                        code="timeout",
                    ) from exc
            if isinstance(result, tuple):  # redirect: (status, target)
                status, target = result
                if redirect_ok is not None and not redirect_ok(target):
                    raise BlockedURLError(
                        f"redirect to {target} leaves the source's scope (add its host to allowed_hosts to follow it)",
                        code="redirect",
                    )
                if status == 303 or (status in (301, 302) and method == "POST"):
                    method, content = "GET", None  # as browsers do
                    headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
                current = self.to_fetch(target)
                continue
            return result
        raise FetchError(f"too many redirects from {url}")

    async def _request(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        content: bytes | None,
        accept_kinds: tuple[str, ...],
        errors: bool,
    ) -> FetchResult | tuple[int, str]:
        try:
            async with self.client.stream(method, url, headers=headers, content=content) as resp:
                if resp.status_code in (*REDIRECTS, 304) or (resp.status_code >= 400 and not errors):
                    await self._drain(resp)  # an unread body would cost the keep-alive connection
                if resp.status_code in REDIRECTS and "location" in resp.headers:
                    return resp.status_code, str(resp.url.join(resp.headers["location"]))
                common = {
                    "url": str(resp.url),
                    "status": resp.status_code,
                    "content_type": resp.headers.get("content-type"),
                    "etag": resp.headers.get("etag"),
                    "last_modified": resp.headers.get("last-modified"),
                    "headers": {
                        k: "\n".join(resp.headers.get_list(k)) for k in BROWSER_HEADERS if k in resp.headers
                    },
                }
                if resp.status_code == 304:
                    return FetchResult(**common)
                if resp.status_code >= 400 and not errors:
                    transient = resp.status_code in (408, 425, 429) or resp.status_code >= 500
                    raise FetchError(
                        f"HTTP {resp.status_code}", transient=transient, code=f"http_{resp.status_code}"
                    )
                kind = kind_of(common["content_type"], url)
                if "any" not in accept_kinds and kind not in accept_kinds:
                    raise BlockedURLError(
                        f"content type {common['content_type']!r} not crawled", code="content_type"
                    )
                declared = resp.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > self.max_bytes:
                    raise BlockedURLError(
                        f"file too large ({declared} bytes > {self.max_bytes})", code="too_large"
                    )
                decoder = BodyDecoder(resp.headers.get_list("content-encoding"), self.max_bytes)
                size = 0
                async for chunk in resp.aiter_raw():  # raw bytes: httpx's own decoders are unbounded
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise BlockedURLError(f"file too large (> {self.max_bytes} bytes)", code="too_large")
                    decoder.feed(chunk)
                return FetchResult(body=decoder.body(), **common)
        except httpx.TimeoutException as exc:
            raise FetchError(f"timeout: {type(exc).__name__}", transient=True, code="timeout") from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"{type(exc).__name__}: {exc}", transient=True, code="network") from exc

    @staticmethod
    async def _drain(resp: httpx.Response, limit: int = 65_536) -> None:
        """Read a small body so httpx can reuse the connection; larger ones are left (the connection closes)."""
        declared = resp.headers.get("content-length", "")
        if declared.isdigit() and int(declared) <= limit:
            async for _ in resp.aiter_raw():
                pass
