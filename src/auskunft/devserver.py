"""A static HTTP server for a local site on 127.0.0.1, with ETag/Last-Modified and a request log.

`auskunft demo` serves datasets/demo-site with it; tests and bench/ use it so the crawler talks to a
real server over loopback.
"""

from __future__ import annotations

import email.utils
import hashlib
import http.server
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class SiteServer:
    root: Path
    host: str = "127.0.0.1"
    port: int = 0
    requests: list[tuple[str, str, int]] = field(default_factory=list)  # (method, path, status)
    _httpd: http.server.ThreadingHTTPServer | None = None

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    def paths_requested(self) -> list[str]:
        return [p for _, p, _ in self.requests]

    def clear_log(self) -> None:
        self.requests.clear()


def _handler(server: SiteServer) -> type[http.server.SimpleHTTPRequestHandler]:
    class Handler(http.server.SimpleHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            super().__init__(*args, directory=str(server.root), **kwargs)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            try:
                status = int(code)
            except (TypeError, ValueError):
                status = 0
            server.requests.append((self.command, self.path, status))

        def send_head(self):  # type: ignore[no-untyped-def]
            path = self.translate_path(self.path)
            if os.path.isdir(path):
                index = os.path.join(path, "index.html")
                if not self.path.split("?", 1)[0].endswith("/") or not os.path.exists(index):
                    return super().send_head()  # redirect to "dir/" or directory listing
                path = index
            try:
                st = os.stat(path)
            except OSError:
                return super().send_head()
            etag = (
                '"'
                + hashlib.sha1(f"{st.st_mtime_ns}-{st.st_size}".encode(), usedforsecurity=False).hexdigest()
                + '"'
            )
            inm = self.headers.get("If-None-Match")
            if inm and etag in [t.strip() for t in inm.split(",")]:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            self._etag = etag
            return super().send_head()

        def end_headers(self) -> None:
            etag = getattr(self, "_etag", None)
            if etag:
                self.send_header("ETag", etag)
                self._etag = None
            super().end_headers()

    return Handler


@contextmanager
def serve_directory(root: Path | str, port: int = 0, host: str = "127.0.0.1") -> Iterator[SiteServer]:
    server = SiteServer(root=Path(root), host=host)
    httpd = http.server.ThreadingHTTPServer((server.host, port), _handler(server))
    httpd.daemon_threads = True
    server.port = httpd.server_address[1]
    server._httpd = httpd
    thread = threading.Thread(target=httpd.serve_forever, name=f"site-{server.port}", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def http_date(ts: float) -> str:
    return email.utils.formatdate(ts, usegmt=True)
