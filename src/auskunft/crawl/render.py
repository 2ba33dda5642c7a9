"""JavaScript rendering with crawl4ai's browser mode on Debian's chromium, with no network of its own.

crawl4ai 0.9.5's BrowserConfig has no executable-path option, and Playwright's own browser download is
not available here (nor wanted in production images). So we start the system chromium ourselves with
`--remote-debugging-port=0`, read the port it chose from `DevToolsActivePort` in its fresh profile
directory, and hand crawl4ai the CDP endpoint (`BrowserConfig(browser_mode="custom", cdp_url=...)`).

Network guard (why this design): the browser must reach nothing the HTTP fetcher would refuse. Checking
requests in a Playwright route and letting chromium continue them is not enough: route handlers are not
called for redirect hops, chromium resolves names itself with no address check, and the page would be
fetched a second time (the two answers can differ). So chromium never connects anywhere:
- every request it makes is answered by `route.fulfill` with a response fetched by the crawl's `Fetcher`:
  scope check on the origin, SSRF guard on the pinned address, redirects followed (and checked hop by hop)
  by the fetcher, size and encoding limits. The main document is fulfilled with the bytes the crawler's
  guarded fetch already got, so what is rendered is what was checked; any other main-frame navigation
  (a script setting location, a meta refresh) is answered with 204, so the page stays;
- only document (iframe), script, stylesheet, fetch and XHR requests are fetched; images, media, fonts,
  beacons and the like are aborted (not needed for text);
- as a second wall, chromium's proxy is a local sink that refuses every connection (WebSockets, service
  workers, preconnects, anything a route does not see), loopback included (`<-loopback>`), its DNS is
  switched off (`--host-resolver-rules`) and WebRTC may not use UDP.
Requests refused by the guard are listed in `blocked`; connections that reached the sink in `escaped`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from auskunft.crawl.expand import OPEN_SHADOW_ROOTS_JS, expand_lists, snapshot
from auskunft.crawl.scope import normalize
from auskunft.errors import AuskunftError, BlockedURLError, ConfigError, FetchError

if TYPE_CHECKING:
    from crawl4ai import AsyncWebCrawler

    from auskunft.crawl.fetcher import Fetcher, FetchResult

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
    "--js-flags=--max-old-space-size=512",  # V8's heap; the DOM's own memory is watched (tree_pss_mb)
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


_ROUTED_TYPES = ("document", "script", "stylesheet", "fetch", "xhr")
_NO_FORWARD = {
    "host", "connection", "content-length", "accept-encoding", "user-agent", "upgrade", "keep-alive", "te",
    "transfer-encoding", "proxy-authorization", "proxy-connection", "if-none-match", "if-modified-since", "range",
}  # fmt: skip
MAX_REQUESTS_PER_PAGE = 300
MAX_BROWSER_MB = 1536  # PSS of chromium's whole process tree while a page renders
MAX_SNAPSHOT_ELEMENTS = 300_000  # DOM elements a rendered page may have (a long real page has < 20,000)
RENDER_GRACE_S = 15.0  # a render ends at timeout_s + max_expand_s + this, or the browser is killed
WATCH_INTERVAL_S = 0.2
MAX_ASSET_CACHE_BYTES = 50_000_000  # scripts and stylesheets kept for the crawl's later pages


@dataclass
class _Document:
    body: bytes
    content_type: str
    snapshot: str | None = None
    refused: str = ""  # why no snapshot was taken (too large)


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
        max_browser_mb: int | None = None,  # None: MAX_BROWSER_MB
    ) -> None:
        self.timeout_s = timeout_s
        self.request_check = request_check  # robots.txt and exclude: a reason to refuse, or None
        self.max_snapshot_bytes = max_snapshot_bytes
        self.max_browser_mb = max_browser_mb or MAX_BROWSER_MB
        self.peak_browser_mb = 0.0  # the highest PSS of chromium's process tree seen by the watchdog
        self.user_agent = user_agent
        self.request_ok = request_ok
        self.fetcher = fetcher
        self.start_timeout_s = start_timeout_s
        self.expand = expand
        self.max_expand_rounds = max_expand_rounds
        self.max_expand_s = max_expand_s
        self.blocked: list[str] = []  # requests the guard refused
        self.escaped: list[str] = []  # connections that reached the sink proxy (should stay empty)
        self._documents: dict[str, _Document] = {}  # normalised URL -> the guarded fetch's document
        self._pending: dict[int, int] = {}  # id(page) -> requests being fetched for it
        self._counts: dict[int, int] = {}  # id(page) -> requests made for it
        self._proc: subprocess.Popen[bytes] | None = None
        self._profile: tempfile.TemporaryDirectory[str] | None = None
        self._crawler: AsyncWebCrawler | None = None
        self._sink: asyncio.Server | None = None
        self._sink_conns: set[asyncio.StreamWriter] = set()
        self._assets: dict[str, FetchResult] = {}
        self._asset_bytes = 0
        self._killed = ""  # why the watchdog or the deadline killed the browser during this render

    @property
    def started(self) -> bool:
        return self._crawler is not None

    async def start(self) -> None:
        if self._crawler is not None:
            return
        from crawl4ai import AsyncWebCrawler, BrowserConfig

        self._profile = tempfile.TemporaryDirectory(prefix="auskunft-chromium-")
        try:
            self._sink = await asyncio.start_server(self._refuse, "127.0.0.1", 0)
            sink_port = self._sink.sockets[0].getsockname()[1]
            self._proc = subprocess.Popen(  # noqa: S603 - fixed binary and flags
                [
                    find_chromium(),
                    *CHROMIUM_FLAGS,
                    *network_flags(sink_port),
                    f"--user-data-dir={self._profile.name}",
                    "about:blank",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
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
            strategy: Any = crawler.crawler_strategy
            strategy.set_hook("on_page_context_created", self._guard_page)
            strategy.set_hook("before_retrieve_html", self._before_snapshot)
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

    async def _refuse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """The sink proxy: a connection chromium made around the route guard; refused and logged.

        A preconnect sends nothing: such connections are closed after a second (or on close()).
        """
        self._sink_conns.add(writer)
        try:
            with contextlib.suppress(Exception):
                line = (await asyncio.wait_for(reader.readline(), 1)).decode("latin-1").strip()
                if line:
                    self.escaped.append(line)
                    # chromium's own service requests (updates, time) land here too, hence INFO
                    log.info("browser connection outside the route guard refused: %s", line[:200])
                    writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    await writer.drain()
        finally:
            self._sink_conns.discard(writer)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _guard_page(self, page: Any, context: Any = None, **_: Any) -> Any:
        """crawl4ai hook (on_page_context_created): install the route once per browser context.

        crawl4ai reuses pages of the CDP browser's default context, so the route goes on the context.
        """
        if context is None or getattr(context, "_auskunft_guarded", False):
            return page
        context._auskunft_guarded = True  # set before awaiting: concurrent renders share the context
        await context.add_init_script(OPEN_SHADOW_ROOTS_JS)  # closed shadow roots become readable
        await context.route("**/*", self._route)
        return page

    async def _route(self, route: Any) -> None:
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
            doc = self._documents.get(normalize(url) or url)
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
            await _abort(route)
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
        self._pending[key] = self._pending.get(key, 0) + 1
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
            await _abort(route)
            return
        finally:
            self._pending[key] -= 1
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
        await _abort(route)

    async def _before_snapshot(self, page: Any, **_: Any) -> Any:
        """crawl4ai hook (before_retrieve_html): expand lazy lists, then take our own snapshot."""
        doc = self._documents.get(normalize(page.url) or page.url)
        if doc is None:  # the page is not the document we registered: no snapshot, render() fails
            return page
        if self.expand and await page.evaluate(
            "() => document.scripts.length > 0"
        ):  # no script: nothing loads
            key = id(page)
            res = await expand_lists(
                page,
                pending=lambda: self._pending.get(key, 0),
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
        doc = self._documents[key] = _Document(body, _with_charset(content_type or "text/html", body))
        cfg = CrawlerRunConfig(
            cache_mode=CacheMode.BYPASS,
            page_timeout=int(self.timeout_s * 1000),
            wait_until="networkidle",
            verbose=False,
        )
        self._killed = ""
        limit_s = self.timeout_s + self.max_expand_s + RENDER_GRACE_S
        watchdog = asyncio.create_task(self._watch_memory())
        try:
            async with asyncio.timeout(limit_s):
                result: Any = await self._crawler.arun(key, config=cfg)
        except TimeoutError:
            self._killed = self._killed or f"render stopped: no result after {limit_s:g} s"
        except Exception:
            if not self._killed:  # else the watchdog killed the browser under crawl4ai's feet
                raise
        finally:
            watchdog.cancel()
            del self._documents[key]
        if self._killed:
            await self._kill(self._killed)
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

    async def _watch_memory(self) -> None:
        """Poll the PSS of chromium's process tree; past max_browser_mb kill it (a DOM bomb grows by GBs in
        seconds and no chromium flag bounds the DOM's heap); the reason goes to self._killed."""
        while self._proc is not None:
            await asyncio.sleep(WATCH_INTERVAL_S)
            mb = await asyncio.to_thread(tree_pss_mb, self._proc.pid)
            self.peak_browser_mb = max(self.peak_browser_mb, mb)
            if mb > self.max_browser_mb:
                self._killed = (
                    f"render stopped: browser memory {mb:.0f} MB over the limit of {self.max_browser_mb} MB"
                )
                self._kill_tree()
                return

    def _kill_tree(self) -> None:
        if self._proc is None:
            return
        for pid in [*descendants(self._proc.pid), self._proc.pid]:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)

    async def _kill(self, why: str) -> None:
        """Kill the browser (its next render starts a fresh one) and fail this page with `why`."""
        log.warning("%s; browser killed", why)
        self._kill_tree()
        await self.close()
        raise RenderLimitError(why, code="render_limit")

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
        if self._sink is not None:
            self._sink.close()
            for writer in list(self._sink_conns):
                writer.close()
            self._sink = None
        if self._profile is not None:
            with contextlib.suppress(OSError):
                self._profile.cleanup()
            self._profile = None


def network_flags(sink_port: int) -> list[str]:
    """Chromium gets no network of its own (see the module docstring)."""
    return [
        f"--proxy-server=http://127.0.0.1:{sink_port}",
        "--proxy-bypass-list=<-loopback>",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        "--force-webrtc-ip-handling-policy",
        "--webrtc-ip-handling-policy=disable_non_proxied_udp",
        "--dns-prefetch-disable",
    ]


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


def descendants(pid: int) -> list[int]:
    """Process ids below `pid` (from /proc; chromium's zygote, renderers, GPU and network processes)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def tree_pss_mb(pid: int) -> float:
    """Proportional set size of `pid` and its descendants, in MB (shared pages counted once)."""
    total = 0
    for p in [pid, *descendants(pid)]:
        with contextlib.suppress(OSError, ValueError), open(f"/proc/{p}/smaps_rollup", encoding="ascii") as f:
            for line in f:
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
    return total / 1024


async def _abort(route: Any) -> None:
    with contextlib.suppress(Exception):
        await route.abort("blockedbyclient")
