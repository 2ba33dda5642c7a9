"""Links in generated answers stay clickable only when they point at a source of the answer or an allowed host.

A crawled page can carry instructions that make a model write `[Login](https://evil.example/...)` in the
organisation's own voice (phishing, or exfiltration through a URL). Whatever the model writes, markdown
links, reference links, autolinks and bare URLs (which GitHub-flavoured markdown links by itself) to any
other address become plain text: the link text alone, a bare URL as a code span (shown, not clickable).
Images are always reduced to their alt text (an image URL is fetched without a click), and raw HTML tags
lose their `<` (shown as text by any markdown renderer: `<a href=//evil>` or `<img src=…>` cannot link or
load). The widget applies the same rule again when it renders (defence in depth), and third-party `/v1`
clients get clean markdown.

A destination is judged the way a browser will read it: CommonMark first undoes backslash escapes and
character references in it, then the WHATWG URL parser (ada, the parser of Node.js) drops tabs and
newlines, reads `\\` as `/` and takes the host after the last `@`. Only absolute `http(s)://` URLs with no
user name or password can pass (a relative `//host/` or `https:host` means different hosts on different
pages); `https://evil.example\\@www.example.org/` is a link to evil.example, whatever urllib says.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable

from ada_url import URL

_TRAILING = re.compile(r"[.,:;!?'\")\]*_~]+$")
_PATTERN = re.compile(
    r"(?P<fence>```[\s\S]*?(?:```|$))"
    r"|(?P<code>`[^`\n]*`)"
    r"|(?P<image>!\[(?P<alt>[^\]\n]{0,500})\]\((?P<isrc>[^)\n]{0,2000})\))"
    r"|(?P<link>\[(?P<text>[^\]\n]{0,500})\]\((?P<href>[^)\n]{0,2000})\))"
    r"|(?P<refimg>!\[(?P<ralt>[^\]\n]{0,500})\]\[[^\]\n]{0,100}\])"
    r"|(?P<auto><(?P<aurl>(?:[a-zA-Z][a-zA-Z0-9+.-]{1,31}:|www\.)[^\s<>]{1,2000})>)"
    r"|(?P<bare>(?<![\w/@`])(?:[hH][tT][tT][pP][sS]?://|[wW][wW][wW]\.)[^\s<`]{1,2000})"
    r"|(?P<html><(?=[A-Za-z/!?]))"
)
_KINDS = ("fence", "code", "image", "link", "refimg", "auto", "bare", "html")
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")  # CommonMark backslash escapes (ASCII punctuation)
_C0_SPACE = "".join(chr(c) for c in range(0x21))
_ABSOLUTE = re.compile(r"https?://[^/\\]", re.IGNORECASE)
# a reference definition "[label]: url"; without a url when a stream cut it off (the url follows later)
_REFDEF = re.compile(r"^( {0,3})\[([^\]\n]{1,500})\]:([ \t]*)(?:<?([^\s>]+)>?.*)?$", re.MULTILINE)


def _whatwg(url: str) -> URL | None:
    """The URL as a browser parses it, or None when it is not an absolute http(s) URL without credentials."""
    url = url.strip(_C0_SPACE).replace("\t", "").replace("\n", "").replace("\r", "")
    if url[:4].lower() == "www.":
        url = "https://" + url
    if not _ABSOLUTE.match(url):
        return None
    try:
        parsed = URL(url)
    except ValueError:
        return None
    if (
        parsed.protocol not in ("http:", "https:")
        or parsed.username
        or parsed.password
        or not parsed.hostname
    ):
        return None
    return parsed


def _key(parsed: URL) -> str:
    return parsed.href.split("#", 1)[0].rstrip("/").lower()


def _href_of(raw: str) -> str:
    """The destination of `[t](dest "title")` / `[t](<dest>)`."""
    raw = raw.strip()
    if raw.startswith("<") and ">" in raw:
        return raw[1 : raw.index(">")]
    return raw.split(None, 1)[0] if raw else ""


# every answer's policy names its sources' URLs: the same few thousand of an index, answer after answer
SOURCE_KEYS = 8192


@functools.lru_cache(maxsize=SOURCE_KEYS)
def _source_key(url: str) -> str | None:
    """The key a source URL is allowed under (None: not an absolute http(s) URL); a pure function of `url`."""
    parsed = _whatwg(url)
    return _key(parsed) if parsed is not None else None


@functools.lru_cache(maxsize=256)
def _host_names(host: str) -> tuple[str, ...]:
    parsed = _whatwg("https://" + host + "/")
    return (parsed.hostname, parsed.host) if parsed is not None else ()


class LinkPolicy:
    def __init__(self, source_urls: Iterable[str] = (), hosts: Iterable[str] = ()) -> None:
        self.urls = {k for k in map(_source_key, (u for u in source_urls if u)) if k is not None}
        self.hosts: set[str] = set()
        for h in (h.strip() for h in hosts if h.strip()):
            self.hosts.update(_host_names(h))

    def allowed(self, url: str) -> bool:
        """True when every reading of the destination (as written, and as CommonMark hands it to the
        browser) is an allowed absolute URL."""
        unescaped = html.unescape(_ESCAPED.sub(r"\1", url))
        return all(self._allowed(u) for u in {url, unescaped})

    def _allowed(self, url: str) -> bool:
        parsed = _whatwg(url)
        if parsed is None:
            return False
        return _key(parsed) in self.urls or parsed.hostname in self.hosts or parsed.host in self.hosts

    def _inert(self, text: str) -> str:
        """Link text shown as text: bare URLs inside it must not become links either."""
        return _PATTERN.sub(self._replace, text.replace("[", "(").replace("]", ")"))

    def _replace(self, m: re.Match[str]) -> str:
        kind = next(k for k in _KINDS if m.group(k) is not None)
        if kind in ("fence", "code"):
            return m.group(0)
        if kind == "image":
            return self._inert(m.group("alt"))
        if kind == "refimg":
            return self._inert(m.group("ralt"))
        if kind == "link":
            href = _href_of(m.group("href"))
            return m.group(0) if self.allowed(href) else self._inert(m.group("text"))
        if kind == "html":  # a raw HTML tag: shown as text, never a link or an image
            return "&lt;"
        if kind == "auto":
            url = m.group("aurl")
            return m.group(0) if self.allowed(url) else f"`{url}`"
        url = m.group("bare")
        tail = _TRAILING.search(url)
        rest = tail.group(0) if tail else ""
        url = url[: len(url) - len(rest)]
        return (url if self.allowed(url) else f"`{url}`") + rest

    def _refdef(self, m: re.Match[str]) -> str:
        if m.group(4) is None:  # no destination in this piece: escaped, so it cannot define a link
            return f"{m.group(1)}\\[{m.group(2)}]:{m.group(3)}"
        return m.group(0) if self.allowed(m.group(4)) else ""

    def apply(self, text: str) -> str:
        """The text with every link that is not allowed turned into plain text (images: alt text)."""
        text = _REFDEF.sub(self._refdef, text)
        return _PATTERN.sub(self._replace, text)


class LinkFilter:
    """`LinkPolicy.apply` over a token stream: text is released only up to a point where no link can be
    open (outside brackets, parentheses after `](`, angle brackets and code), so a link split over many
    tokens is judged whole."""

    def __init__(self, policy: LinkPolicy, max_hold: int = 4000) -> None:
        self.policy, self.max_hold = policy, max_hold
        self._buf = ""

    def _safe_cut(self) -> int:
        sq = paren = angle = 0
        code = False
        cut = 0
        prev = ""
        for i, ch in enumerate(self._buf):
            if ch == "`":
                code = not code
            elif not code:
                if ch == "[":
                    sq += 1
                elif ch == "]":
                    sq = max(0, sq - 1)
                elif ch == "(" and prev == "]":
                    paren += 1
                elif ch == ")" and paren:
                    paren -= 1
                elif ch == "<":
                    angle += 1
                elif ch == ">":
                    angle = max(0, angle - 1)
                elif ch.isspace() and not (sq or paren or angle):
                    cut = i + 1
            prev = ch
        return cut

    def feed(self, delta: str) -> str:
        self._buf += delta
        cut = len(self._buf) if len(self._buf) > self.max_hold else self._safe_cut()
        if not cut:
            return ""
        out, self._buf = self._buf[:cut], self._buf[cut:]
        return self.policy.apply(out)

    def flush(self) -> str:
        out, self._buf = self._buf, ""
        return self.policy.apply(out) if out else ""
