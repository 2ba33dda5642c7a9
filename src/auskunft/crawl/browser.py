"""The rendering browser's process: Debian's chromium with no network of its own, and its memory watchdog.

crawl4ai 0.9.5's BrowserConfig has no executable-path option, and Playwright's own browser download is
not available here (nor wanted in production images). So we start the system chromium ourselves with
`--remote-debugging-port=0`, read the port it chose from `DevToolsActivePort` in its fresh profile
directory, and hand crawl4ai the CDP endpoint (render.py).

Its proxy is a local sink that refuses every connection (WebSockets, service workers, preconnects, anything
the route guard in routing.py does not see), loopback included (`<-loopback>`), its DNS is switched off
(`--host-resolver-rules`) and WebRTC may not use UDP. Connections that reached the sink are listed in
`escaped`.

No chromium flag bounds the DOM's memory (a DOM bomb grows by GBs in seconds), so while a page renders a
watchdog thread samples the PSS of chromium's whole process tree and kills the tree when it has grown more than
`max_mb` above its idle size, or will have by the next sample at the rate it grew since the last one (a DOM
bomb adds ~150 MB between two samples; reading /proc is slow in a sandbox such as gVisor, and a thread of its
own does not wait for the crawler's busy event loop) (measured once the browser is up and connected: ~375 MB for Debian's chromium
with these flags, whatever a page does; real pages of the corpus add up to ~150 MB at 4 renders at a time).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from auskunft.errors import ConfigError, FetchError
from auskunft.proctree import descendants, tree_pss_mb

log = logging.getLogger(__name__)
__all__ = ["Chromium", "descendants", "find_chromium", "network_flags", "tree_pss_mb"]

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
MAX_BROWSER_MB = 384  # what pages may add to the PSS of chromium's idle process tree (RENDER_MEMORY_MB)
WATCH_INTERVAL_S = 0.05  # a sample (a /proc scan and the smaps_rollup of ~6 processes) costs ~2 ms


def find_chromium() -> str:
    for candidate in (os.environ.get("CHROMIUM_PATH"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and (path := shutil.which(candidate)):
            return path
    raise ConfigError(
        "no chromium found for render_js sources: apt-get install chromium (or set CHROMIUM_PATH)"
    )


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


class Chromium:
    """One chromium process at a time (`await start()` returns its CDP URL; `await close()`; start again
    after a kill); `with watching():` runs the memory watchdog during one render."""

    def __init__(self, *, max_mb: int = MAX_BROWSER_MB, start_timeout_s: float = 30.0) -> None:
        self.max_mb = max_mb
        self.start_timeout_s = start_timeout_s
        self.peak_mb = 0.0  # the highest PSS of the process tree the watchdog saw
        self.idle_mb = 0.0  # PSS of the process tree when it was up and idle (set_idle)
        self.killed = ""  # why the watchdog killed the tree (empty: it did not)
        self.escaped: list[str] = []  # connections that reached the sink proxy (should stay empty)
        self._proc: subprocess.Popen[bytes] | None = None
        self._profile: tempfile.TemporaryDirectory[str] | None = None
        self._sink: asyncio.Server | None = None
        self._sink_conns: set[asyncio.StreamWriter] = set()

    async def start(self) -> str:
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
            return await self._wait_for_cdp(Path(self._profile.name) / "DevToolsActivePort")
        except BaseException:
            await self.close()
            raise

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

    async def set_idle(self) -> None:
        """Measure the idle size the watchdog's limit is counted from (call once the browser is connected)."""
        if self._proc is not None:
            self.idle_mb = await asyncio.to_thread(tree_pss_mb, self._proc.pid)
            log.debug("chromium's process tree idle: %.0f MB PSS", self.idle_mb)

    @contextlib.contextmanager
    def watching(self) -> Iterator[None]:
        """The memory watchdog (a thread) while the block runs; the reason of a kill goes to self.killed."""
        stop = threading.Event()
        thread = threading.Thread(target=self._watch, args=(stop,), name="render-watchdog", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    def _watch(self, stop: threading.Event) -> None:
        last_t, last_mb = time.monotonic(), self.idle_mb
        while not stop.wait(WATCH_INTERVAL_S):
            proc = self._proc
            if proc is None:
                return
            t0 = time.monotonic()
            mb = tree_pss_mb(proc.pid)
            now = time.monotonic()
            self.peak_mb = max(self.peak_mb, mb)
            rate = max(0.0, (mb - last_mb) / max(now - last_t, 1e-3))  # MB/s since the last sample
            ahead = mb + rate * (WATCH_INTERVAL_S + now - t0)  # the size at the next sample, at this rate
            last_t, last_mb = now, mb
            if max(mb, ahead) - self.idle_mb > self.max_mb:
                course = "" if mb - self.idle_mb > self.max_mb else f", growing {rate:.0f} MB/s"
                self.killed = (
                    f"render stopped: browser memory {mb:.0f} MB, {mb - self.idle_mb:.0f} MB above its idle "
                    f"{self.idle_mb:.0f} MB{course} (memory limit {self.max_mb} MB)"
                )
                self.kill_tree()
                return

    def kill_tree(self) -> None:
        if self._proc is None:
            return
        for pid in [*descendants(self._proc.pid), self._proc.pid]:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)

    async def close(self) -> None:
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
