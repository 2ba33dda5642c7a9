"""The route guard: every request a rendered page makes is answered by the crawl's guarded fetcher.

Why this design: the browser must reach nothing the HTTP fetcher would refuse. Checking requests in a
Playwright route and letting chromium continue them is not enough: route handlers are not called for
redirect hops, chromium resolves names itself with no address check, and the page would be fetched a
second time (the two answers can differ). So chromium never connects anywhere (browser.py), and:
- every request it makes is answered by `route.fulfill` with a response fetched by the crawl's `Fetcher`:
  scope check on the origin, robots.txt and `exclude` like a link (`request_check`), SSRF guard on the
  pinned address, redirects followed (and checked hop by hop) by the fetcher, size and encoding limits.
  The main document is fulfilled with the bytes the crawler's guarded fetch already got, so what is
  rendered is what was checked; any other main-frame navigation (a script setting location, a meta
  refresh) is answered with 204, so the page stays;
- only document (iframe), script, stylesheet, fetch and XHR requests are fetched; images, media, fonts,
  beacons and the like are aborted (not needed for text).
Requests refused by the guard are listed in `blocked`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from auskunft.crawl.expand import OPEN_SHADOW_ROOTS_JS
from auskunft.crawl.scope import normalize
from auskunft.errors import AuskunftError, BlockedURLError

if TYPE_CHECKING:
    from auskunft.crawl.fetcher import Fetcher, FetchResult

log = logging.getLogger(__name__)

_ROUTED_TYPES = ("document", "script", "stylesheet", "fetch", "xhr")
_NO_FORWARD = {
    "host", "connection", "content-length", "accept-encoding", "user-agent", "upgrade", "keep-alive", "te",
    "transfer-encoding", "proxy-authorization", "proxy-connection", "if-none-match", "if-modified-since", "range",
}  # fmt: skip
MAX_REQUESTS_PER_PAGE = 300
MAX_ASSET_CACHE_BYTES = 50_000_000  # scripts and stylesheets kept for the crawl's later pages


@dataclass
class Document:
    """A page to render: the guarded fetch's body, and what the snapshot hook made of it."""

    body: bytes
    content_type: str
    snapshot: str | None = None
    refused: str = ""  # why no snapshot was taken (too large)


class RequestRouter:
    """Answers a browser context's requests (`install` on crawl4ai's on_page_context_created hook).

    `fetcher` makes every request for the browser, `request_ok` is the scope check on a request's URL (and
    on each redirect hop), `request_check` gives a reason to refuse (robots.txt, exclude) or None; without a
    fetcher the browser gets the main document and nothing else.
    """

    def __init__(
        self,
        *,
        fetcher: Fetcher | None,
        request_ok: Callable[[str], bool] | None,
        request_check: Callable[[str], Awaitable[str | None]] | None,
    ) -> None:
        self.fetcher = fetcher
        self.request_ok = request_ok
        self.request_check = request_check
        self.blocked: list[str] = []  # requests the guard refused
        self.documents: dict[str, Document] = {}  # normalised URL -> the guarded fetch's document
        self.pending: dict[int, int] = {}  # id(page) -> requests being fetched for it
        self._counts: dict[int, int] = {}  # id(page) -> requests made for it
        self._assets: dict[str, FetchResult] = {}
        self._asset_bytes = 0

    async def install(self, page: Any, context: Any = None, **_: Any) -> Any:
        """crawl4ai hook (on_page_context_created): install the route once per browser context.

        crawl4ai reuses pages of the CDP browser's default context, so the route goes on the context.
        Concurrent renders share the context: each waits until the one installation is done (a render that
        went on while the first was still installing navigated unguarded, into the sink: 403, render failed).
        """
        if context is None:
            return page
        installing = getattr(context, "_auskunft_guard", None)
        if installing is None:
            installing = context._auskunft_guard = asyncio.ensure_future(self._install(context))
        await installing
        return page

    async def _install(self, context: Any) -> None:
        await context.add_init_script(OPEN_SHADOW_ROOTS_JS)  # closed shadow roots become readable
        await context.route("**/*", self.route)

    async def route(self, route: Any) -> None:
        request = route.request
        url = request.url
        if url.startswith(("data:", "blob:", "about:")):  # no network involved
            await route.continue_()
            return
        try:
            frame = request.frame
            page, main = frame.page, frame.parent_frame is None
        except Exception:  # a service worker's request has no frame
            page, main = None, False
        if request.is_navigation_request() and main:
            doc = self.documents.get(normalize(url) or url)
            if doc is None:  # a 204 keeps the page where it is; an abort would commit an error page
                self.blocked.append(url)
                log.info("browser request %s refused: main-frame navigation away from the document", url)
                with contextlib.suppress(Exception):
                    await route.fulfill(status=204, body=b"")
            else:
                self._counts[id(page)] = 0  # a new document in this page: a fresh request budget
                await route.fulfill(status=200, body=doc.body, headers={"content-type": doc.content_type})
            return
        if request.resource_type not in _ROUTED_TYPES:
            await abort(route)
            return
        if self.fetcher is None or self.request_ok is None:
            await self._block(route, url, "no fetcher")
            return
        if self.request_check is not None:  # robots.txt and exclude hold for a script's requests too
            if why := await self.request_check(url):
                await self._block(route, url, why)
                return
        elif not self.request_ok(url):
            await self._block(route, url, "out of scope")
            return
        cacheable = request.method == "GET" and request.resource_type in ("script", "stylesheet")
        if cacheable and url in self._assets:  # the same scripts on every page: fetched once per crawl
            cached = self._assets[url]
            with contextlib.suppress(Exception):
                await route.fulfill(status=cached.status, body=cached.body or b"", headers=cached.headers)
            return
        key = id(page)
        self._counts[key] = self._counts.get(key, 0) + 1
        if self._counts[key] > MAX_REQUESTS_PER_PAGE:
            await self._block(route, url, f"more than {MAX_REQUESTS_PER_PAGE} requests for one page")
            return
        self.pending[key] = self.pending.get(key, 0) + 1
        try:
            headers = {k: v for k, v in (await request.all_headers()).items() if k.lower() not in _NO_FORWARD}
            res = await self.fetcher.fetch_resource(
                self.fetcher.to_fetch(url),  # a page may name its public origin: fetch from the alias
                method=request.method,
                headers=headers,
                content=request.post_data_buffer,
                redirect_ok=self.request_ok,
            )
        except BlockedURLError as exc:
            await self._block(route, url, str(exc))
            return
        except AuskunftError as exc:
            log.debug("browser request %s failed: %s", url, exc)
            await abort(route)
            return
        finally:
            self.pending[key] -= 1
        if (
            cacheable
            and res.status == 200
            and self._asset_bytes + len(res.body or b"") <= MAX_ASSET_CACHE_BYTES
        ):
            self._assets[url] = res
            self._asset_bytes += len(res.body or b"")
        with contextlib.suppress(Exception):  # the page may be gone meanwhile
            await route.fulfill(status=res.status, body=res.body or b"", headers=res.headers)

    async def _block(self, route: Any, url: str, why: str) -> None:
        self.blocked.append(url)
        log.info("browser request %s refused: %s", url, why)
        await abort(route)


async def abort(route: Any) -> None:
    with contextlib.suppress(Exception):
        await route.abort("blockedbyclient")
