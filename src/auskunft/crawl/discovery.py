"""robots.txt, sitemaps and links found in pages."""

from __future__ import annotations

import gzip
import logging
import re
import zlib
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
    if not data.startswith(b"\x1f\x8b"):
        return data
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, max_bytes + 1)
    except (zlib.error, gzip.BadGzipFile) as exc:
        raise ValueError(f"broken gzip: {exc}") from exc
    if len(out) > max_bytes:
        raise ValueError(f"inflates to more than {max_bytes} bytes")
    return out


def parse_sitemap(data: bytes, lastmods: dict[str, str] | None = None) -> tuple[list[str], list[str]]:
    """Returns (page URLs, nested sitemap URLs) from a sitemap or sitemap index; garbage gives ([], []).

    Pages' <lastmod> values are put into `lastmods` (URL -> text as written) when a dict is given.
    """
    try:
        root = etree.fromstring(
            data, parser=etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        )
    except etree.XMLSyntaxError:
        return [], []
    pages, nested = [], []
    for el in root.iter("{*}loc"):
        url, parent = (el.text or "").strip(), el.getparent()
        if not url or parent is None:
            continue
        kind = etree.QName(parent).localname
        if kind == "sitemap":
            nested.append(url)
        elif kind == "url":
            pages.append(url)
            lastmod = parent.find("{*}lastmod")
            if lastmods is not None and lastmod is not None and (lastmod.text or "").strip():
                lastmods[url] = (lastmod.text or "").strip()
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
