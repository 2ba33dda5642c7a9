"""robots.txt, sitemaps and links found in pages."""

from __future__ import annotations

import gzip
import logging
import re
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.robotparser import RobotFileParser

from lxml import etree
from lxml import html as lxml_html

from auskunft.crawl.attrlinks import XPATH, attribute_urls
from auskunft.crawl.scope import normalize

log = logging.getLogger(__name__)


def parse_robots(text: str | None, *, disallow_all: bool = False) -> RobotFileParser:
    parser = RobotFileParser()
    if disallow_all:
        parser.parse(["User-agent: *", "Disallow: /"])
    else:
        parser.parse((text or "").splitlines())
    return parser


def crawl_delay(text: str | None, user_agent: str) -> float | None:
    """Crawl-delay for `user_agent` (its own group, else `*`); fractions allowed (urllib's parser drops them)."""
    token = user_agent.split("/", 1)[0].strip().lower()
    delays: dict[str, float] = {}
    agents: list[str] = []
    in_rules = False
    for raw in (text or "").splitlines():
        line = raw.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        key, value = (part.strip() for part in line.split(":", 1))
        key = key.lower()
        if key == "user-agent":
            if in_rules:
                agents, in_rules = [], False
            agents.append(value.lower())
            continue
        in_rules = True
        if key == "crawl-delay":
            try:
                delay = float(value)
            except ValueError:
                continue
            for agent in agents:
                delays.setdefault(agent, delay)
    for agent, delay in delays.items():
        if agent != "*" and agent in token:
            return delay
    return delays.get("*")


def sitemaps_in_robots(text: str | None) -> list[str]:
    return [m.strip() for m in re.findall(r"(?im)^\s*sitemap:\s*(\S+)", text or "")]


def ungzip(data: bytes, max_bytes: int) -> bytes:
    """Sitemaps served as .xml.gz files (not Content-Encoding): inflate, at most max_bytes (ValueError beyond)."""
    out = b"".join(_inflated(data, max_bytes))
    if len(out) > max_bytes:
        raise ValueError(f"inflates to more than {max_bytes} bytes")
    return out


STEP = 1 << 16  # bytes inflated and parsed at a time


def _inflated(data: bytes, max_bytes: int) -> Iterator[bytes]:
    """The body in pieces of at most STEP bytes, inflated when gzipped; stops after max_bytes + 1."""
    if not data.startswith(b"\x1f\x8b"):
        for i in range(0, min(len(data), max_bytes + 1), STEP):
            yield data[i : i + STEP]
        return
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    pending, total = data, 0
    try:
        while pending and total <= max_bytes:
            piece = inflater.decompress(pending, STEP)
            pending = inflater.unconsumed_tail
            total += len(piece)
            yield piece
            if inflater.eof:
                return
    except (zlib.error, gzip.BadGzipFile) as exc:
        raise ValueError(f"broken gzip: {exc}") from exc


@dataclass
class SitemapBudget:
    """What the sitemaps of one start URL may cost: bytes parsed (inflated) and page URLs kept."""

    bytes_left: int
    urls_left: int

    @property
    def spent(self) -> bool:
        return self.bytes_left <= 0 or self.urls_left <= 0


def parse_sitemap(
    data: bytes,
    lastmods: dict[str, str] | None = None,
    *,
    budget: SitemapBudget | None = None,
    keep: Callable[[str], bool] | None = None,
) -> tuple[list[str], list[str]]:
    """Returns (page URLs, nested sitemap URLs) from a sitemap or sitemap index; garbage gives ([], []).

    Parsed as a stream (gzip inflated piece by piece, each <url> dropped once read), so memory does not
    grow with the file; with a `budget`, parsing stops when its bytes or URLs are spent (page URLs count
    when `keep` accepts them, e.g. the scope). Pages' <lastmod> values are put into `lastmods` (URL -> text
    as written) when a dict is given.
    """
    budget = budget or SitemapBudget(bytes_left=len(data) * 1000 + STEP, urls_left=sys.maxsize)
    parser = etree.XMLPullParser(
        events=("end",), resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False
    )
    pages: list[str] = []
    nested: list[str] = []
    try:
        for piece in _inflated(data, budget.bytes_left):
            budget.bytes_left -= len(piece)
            parser.feed(piece)
            for _, el in parser.read_events():
                kind = etree.QName(el).localname if isinstance(el.tag, str) else ""
                if kind not in ("url", "sitemap"):
                    continue
                loc = el.find("{*}loc")
                url = (loc.text or "").strip() if loc is not None else ""
                if url and kind == "sitemap":
                    nested.append(url)
                elif url and (keep is None or keep(url)):
                    pages.append(url)
                    budget.urls_left -= 1
                    lastmod = el.find("{*}lastmod")
                    if lastmods is not None and lastmod is not None and (lastmod.text or "").strip():
                        lastmods[url] = (lastmod.text or "").strip()
                el.clear()
                parent = el.getparent()
                while parent is not None and el.getprevious() is not None:
                    del parent[0]  # the <url>s already read
                if budget.urls_left <= 0:
                    return pages, nested
            if budget.bytes_left <= 0:
                log.info("sitemap parsing stopped: byte budget spent")
                break
        parser.close()
    except (etree.XMLSyntaxError, ValueError) as exc:
        log.debug("sitemap ends in garbage: %s", exc)
    return pages, nested


def html_encoding(body: bytes) -> str | None:
    """Encoding for lxml: None when the page declares one (<meta charset>), else UTF-8 if the bytes are valid
    UTF-8, else windows-1252. (lxml's default for undeclared bytes is Latin-1, which turns "ü" into "Ã¼".)"""
    if re.search(rb"<meta[^>]+charset", body[:4096], re.I):
        return None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def parse_html_links(body: bytes, base_url: str) -> tuple[list[str], str | None]:
    """(absolute normalised links, <title>) of an HTML page; broken HTML gives what can be recovered."""
    try:
        doc = lxml_html.fromstring(body, parser=lxml_html.HTMLParser(encoding=html_encoding(body)))
    except (etree.ParserError, ValueError):
        return [], None
    base = base_url
    base_el = doc.find(".//base[@href]")
    if base_el is not None:
        base = normalize(base_el.get("href", ""), base_url) or base_url
    links = []
    for el in doc.iter("a", "area", "link"):
        if el.tag == "link" and (el.get("rel") or "").lower() not in ("alternate", "next", "prev"):
            continue
        if "nofollow" in (el.get("rel") or "").lower():
            continue
        url = normalize(el.get("href") or "", base)
        if url:
            links.append(url)
    for el in doc.xpath(XPATH):  # buttons and rows that open a page or PDF by script (attrlinks.py)
        links += [url for raw in attribute_urls(el) if (url := normalize(raw, base))]
    title_el = doc.find(".//title")
    title = " ".join(title_el.text_content().split()) if title_el is not None else None
    return links, title
