"""URL normalisation, crawl scope and host aliases (public origin <-> origin actually fetched)."""

from __future__ import annotations

import re
from urllib.parse import quote, urldefrag, urljoin, urlsplit, urlunsplit

from auskunft.models import Source

_DEFAULT_PORTS = {"http": 80, "https": 443}
_SAFE_PATH = "/%:@!$&'()*+,;=-._~"
SKIP_EXTENSIONS = re.compile(
    r"\.(jpe?g|png|gif|svg|webp|ico|css|js|mjs|woff2?|ttf|otf|eot|mp4|mp3|webm|zip|gz|tar|rar|7z|exe|dmg|docx?|xlsx?|pptx?)$",
    re.I,
)


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def normalize(url: str, base: str | None = None) -> str | None:
    """Absolute http(s) URL without fragment, lower-case scheme/host, default port dropped, unsafe characters
    percent-encoded (query order kept); None if unusable."""
    url = url.strip()
    if not url or url.startswith(("mailto:", "tel:", "javascript:", "data:", "#")):
        return None
    if base:
        url = urljoin(base, url)
    url, _ = urldefrag(url)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    port = parts.port
    netloc = host if port in (None, _DEFAULT_PORTS[parts.scheme]) else f"{host}:{port}"
    # percent-encode what must be (spaces, umlauts) and keep existing escapes: "a b" and "a%20b" are one URL
    path = quote(parts.path or "/", safe=_SAFE_PATH)
    query = quote(parts.query, safe=_SAFE_PATH + "?")
    return urlunsplit((parts.scheme, netloc, path, query, ""))


class Scope:
    """Which URLs a source may crawl, and where to fetch them from."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.aliases = {
            normalize(k).rstrip("/"): normalize(v).rstrip("/")  # type: ignore[union-attr]
            for k, v in source.host_aliases.items()
        }
        self.reverse = {v: k for k, v in self.aliases.items()}
        starts = [self.to_public(normalize(u) or u) for u in source.start_urls]
        hosts = source.allowed_hosts or [urlsplit(u).netloc for u in starts]
        self.allowed_hosts = {h.lower() for h in hosts}
        self.include = [re.compile(p) for p in source.include]
        self.exclude = [re.compile(p) for p in source.exclude]
        self.start_urls = starts

    def to_public(self, url: str) -> str:
        """Undo a host alias: URLs are recorded and cited under the public origin."""
        origin = origin_of(url)
        if origin in self.reverse:
            return self.reverse[origin] + url[len(origin) :]
        return url

    def to_fetch(self, url: str) -> str:
        origin = origin_of(url)
        if origin in self.aliases:
            return self.aliases[origin] + url[len(origin) :]
        return url

    def trusted_fetch_hosts(self) -> frozenset[str]:
        """Host names the source itself configured as fetch targets (start URLs, alias targets)."""
        urls = [self.to_fetch(u) for u in self.start_urls] + list(self.aliases.values())
        return frozenset(h for h in (urlsplit(u).hostname for u in urls) if h)

    def host_allowed(self, url: str) -> bool:
        """For redirect hops (fetch URL or public URL): is the target on an allowed host?"""
        return urlsplit(self.to_public(url)).netloc.lower() in self.allowed_hosts

    def in_scope(self, url: str) -> tuple[bool, str]:
        parts = urlsplit(url)
        if parts.netloc.lower() not in self.allowed_hosts:
            return False, "host not allowed"
        if SKIP_EXTENSIONS.search(parts.path):
            return False, "file type not crawled"
        if parts.path.lower().endswith(".pdf") and not self.source.follow_pdfs:
            return False, "PDFs not followed"
        if self.include and not any(p.search(url) for p in self.include):
            return False, "not matched by include"
        if any(p.search(url) for p in self.exclude):
            return False, "matched by exclude"
        return True, ""
