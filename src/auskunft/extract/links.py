"""Texts of the links that point at each document, read from the source's crawled HTML pages.

A PDF's best title is often the text its site links it with ("Satzung (Fassung vom 14. März 2025)").
The crawl manifest holds every page's stored body, so the link texts are collected here, at extraction,
for all documents of a run at once. URLs are compared percent-decoded, in NFC and without fragment, so
an NFD or percent-encoded href finds the record it was crawled as.

A link text that many different documents of the source share ("PDF-Datei (Original-Pressemitteilung)",
"Download", "mehr") names the kind of link, not the document: texts shared by `SHARED_TARGETS` or more
distinct targets are dropped. Buttons that open a document by script (`onclick="window.open('/x.pdf')"`,
`data-href`) count as links (auskunft.crawl.attrlinks).
"""

from __future__ import annotations

import logging
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from urllib.parse import unquote, urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html

from auskunft.crawl.attrlinks import XPATH, attribute_urls
from auskunft.models import CrawlManifest

log = logging.getLogger(__name__)

MAX_TEXTS = 10  # per document
MAX_CHARS = 200  # per link text
SHARED_TARGETS = 3  # a link text pointing at this many distinct documents of a source is generic


def join_url(base: str, href: str) -> str | None:
    """`href` resolved against `base`; None for an address no URL parser reads (an unclosed IPv6 bracket:
    "http://[x/"), which a hostile or broken page may hold and which must not fail the page."""
    try:
        return urljoin(base, href)
    except ValueError:
        return None


def url_key(url: str) -> str:
    parts = urlsplit(url)
    path = unicodedata.normalize("NFC", unquote(parts.path or "/"))
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{path}" + (
        f"?{parts.query}" if parts.query else ""
    )


def _is_html(content_type: str | None, url: str) -> bool:
    ct = (content_type or "").lower()
    return "html" in ct or (not ct and not url.lower().split("?")[0].endswith(".pdf"))


def link_texts_in(body: bytes, base_url: str) -> list[tuple[str, str]]:
    """(url key, text) of every link of one HTML page with a text (or an image alt/title)."""
    try:
        try:  # decoded here: lxml reads undeclared bytes as Latin-1
            doc = lxml_html.fromstring(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):  # not UTF-8, or an XML encoding declaration
            doc = lxml_html.fromstring(body)
    except (etree.ParserError, ValueError):
        return []
    out = []
    for a in doc.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
            continue
        text = " ".join(a.text_content().split())
        if not text:
            alts = [img.get("alt") or "" for img in a.iter("img")]
            text = " ".join((a.get("title") or " ".join(alts)).split())
        if text and (target := join_url(base_url, href)) is not None:
            out.append((url_key(target), text[:MAX_CHARS]))
    for el in doc.xpath(XPATH):  # buttons that open a document by script
        text = " ".join((el.text_content() or el.get("title") or el.get("aria-label") or "").split())
        for raw in attribute_urls(el) if text else ():
            if (target := join_url(base_url, raw)) is not None:
                out.append((url_key(target), text[:MAX_CHARS]))
    return out


def collect_link_texts(manifest: CrawlManifest, raw_get: Callable[[str], bytes]) -> dict[str, list[str]]:
    """Record URL -> texts of the links pointing at it from the manifest's HTML pages (not from itself)."""
    by_key: dict[str, list[str]] = defaultdict(list)
    targets: dict[str, set[str]] = defaultdict(set)  # text (casefolded) -> distinct target keys
    for rec in manifest.records:
        if (
            rec.status in ("gone", "failed", "skipped")
            or not rec.sha256
            or not _is_html(rec.content_type, rec.url)
        ):
            continue
        try:
            body = raw_get(rec.sha256)
        except (OSError, KeyError) as exc:
            log.debug("no body for %s: %s", rec.url, exc)
            continue
        own = url_key(rec.url)
        for key, text in link_texts_in(body, rec.url):
            if key == own:
                continue
            targets[" ".join(text.split()).casefold()].add(key)
            if len(by_key[key]) < 5 * MAX_TEXTS:  # generic texts are dropped below, then MAX_TEXTS kept
                by_key[key].append(text)
    generic = {t for t, keys in targets.items() if len(keys) >= SHARED_TARGETS}
    if generic:
        log.debug("generic link texts (shared by %d+ targets): %s", SHARED_TARGETS, sorted(generic)[:20])
    out = {}
    for rec in manifest.records:
        texts = [t for t in by_key.get(url_key(rec.url), []) if " ".join(t.split()).casefold() not in generic]
        if texts:
            out[rec.url] = texts[:MAX_TEXTS]
    return out
