"""One URL of a crawl: robots check, conditional fetch, change detection, rendering, the raw store, and the
links it leads to (a mixin of Crawler, crawler.py; the module docstring there describes change detection).
"""

from __future__ import annotations

import asyncio
import logging

from auskunft.crawl.discovery import parse_html_links
from auskunft.crawl.fetcher import FetchResult, kind_of
from auskunft.crawl.render import BrowserRenderer
from auskunft.crawl.rules import SiteRules
from auskunft.crawl.scope import normalize, origin_of, unicode_alternative
from auskunft.crawl.store import CrawlState, RawStore
from auskunft.errors import AuskunftError, BlockedURLError, FetchError
from auskunft.models import CrawlRecord, sha256_bytes, utcnow

log = logging.getLogger(__name__)


class PageVisits(SiteRules):
    """Crawler's work on one URL (the queue and robots.txt come from SiteRules)."""

    store: RawStore
    state: CrawlState
    renderer: BrowserRenderer | None
    records: dict[str, CrawlRecord]
    incomplete: bool
    _renderer_lock: asyncio.Lock

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


def _status_from(code: str) -> int | None:
    return int(code[5:]) if code.startswith("http_") and code[5:].isdigit() else None
