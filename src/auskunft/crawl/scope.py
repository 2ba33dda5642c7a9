"""URL normalisation, crawl scope and host aliases (public origin <-> origin actually fetched)."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal
from urllib.parse import quote, unquote, urldefrag, urljoin, urlsplit, urlunsplit

from auskunft.crawl.guard import origin_key
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


_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")


def clean_href(href: str) -> str:
    """An href as a browser reads it: tabs and newlines removed anywhere (WHATWG URL parser), leading and
    trailing whitespace, control and invisible format characters (zero-width space, BOM, bidi marks) stripped."""
    href = re.sub(r"[\t\n\r]", "", href)
    start, end = 0, len(href)
    while start < end and _invisible(href[start]):
        start += 1
    while end > start and _invisible(href[end - 1]):
        end -= 1
    return href[start:end]


def _invisible(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zs")


def normalize(url: str, base: str | None = None) -> str | None:
    """Absolute http(s) URL without fragment, lower-case scheme/host, default port dropped, unsafe characters
    percent-encoded (query order kept); None if unusable. Hrefs with another scheme (mailto:, tel:,
    javascript:, data:, whatsapp:, ...) are never resolved as relative paths."""
    url = clean_href(url)
    if not url or url.startswith("#"):
        return None
    scheme = _SCHEME.match(url)
    if scheme and scheme.group(1).lower() not in _DEFAULT_PORTS:
        return None
    if base:
        url = urljoin(base, url)
    url, _ = urldefrag(url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # bad port, broken IPv6 literal
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if "%" in host:  # an IPv6 zone id is meaningless outside this machine
        return None
    if ":" in host:  # IPv6 literal: keep the brackets
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[parts.scheme]) else f"{host}:{port}"
    # percent-encode what must be (spaces, umlauts) and keep existing escapes: "a b" and "a%20b" are one URL
    path = quote(parts.path or "/", safe=_SAFE_PATH)
    query = quote(parts.query, safe=_SAFE_PATH + "?")
    return urlunsplit((parts.scheme, netloc, path, query, ""))


def unicode_alternative(url: str) -> str | None:
    """The same URL with its path and query in the other Unicode normal form (NFC if it is not NFC, else
    NFD), or None when that is the same URL. Sites link decomposed umlauts ("u" + U+0308) to files stored
    with composed ones, and files uploaded from macOS the other way round."""
    parts = urlsplit(url)
    path, query = unquote(parts.path), unquote(parts.query)
    form: Literal["NFC", "NFD"] = (
        "NFC" if unicodedata.normalize("NFC", path + query) != path + query else "NFD"
    )
    alt = urlunsplit(
        (
            parts.scheme,
            parts.netloc,
            quote(unicodedata.normalize(form, path), safe=_SAFE_PATH),
            quote(unicodedata.normalize(form, query), safe=_SAFE_PATH + "?"),
            "",
        )
    )
    return alt if alt != url else None


def _host_entry(entry: str) -> tuple[str, int | None]:
    """An allowed_hosts entry "host[:port]" as (host without brackets, port or None for the scheme default)."""
    parts = urlsplit("//" + entry.strip().lower())
    try:
        port = parts.port
    except ValueError:
        port = None
    return (parts.hostname or entry.lower()), port


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
        self.allowed_hosts = {_host_entry(h) for h in hosts}
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

    def trusted_fetch_origins(self) -> frozenset[tuple[str, str, int]]:
        """Origins (scheme, host, port) the source itself configured as fetch targets (start URLs, alias
        targets): with allow_private, only these may resolve to internal addresses."""
        urls = [self.to_fetch(u) for u in self.start_urls] + list(self.aliases.values())
        return frozenset(k for k in (origin_key(u) for u in urls) if k is not None)

    def origin_allowed(self, url: str) -> bool:
        """Is the URL's origin in scope? An allowed_hosts entry without a port allows the scheme's default port."""
        key = origin_key(url)
        if key is None:
            return False
        scheme, host, port = key
        return (host, port) in self.allowed_hosts or (
            (host, None) in self.allowed_hosts and port == _DEFAULT_PORTS[scheme]
        )

    def host_allowed(self, url: str) -> bool:
        """For redirect hops and browser requests (fetch URL or public URL): is the target's origin in scope?"""
        return self.origin_allowed(self.to_public(url))

    def in_scope(self, url: str) -> tuple[bool, str]:
        parts = urlsplit(url)
        if not self.origin_allowed(url):
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
