"""Letterheads, footers and contact blocks: lines repeated across a document's pages or a source's documents.

Association PDFs repeat the same name/address/phone/e-mail block and the same footer (register number,
bank account, "Seite 3 von 7") on every page and in every letter; left in the text, those lines fill chunks
and get quoted as answers. Two passes move them out of the pages into `Document.boilerplate`, where the
information is kept once:

- within a document (`strip_repeated_page_lines`, at extraction): a line in the top or bottom zone of at
  least half of the pages (two at least), and page-number lines anywhere in those zones;
- across a source's documents of one kind (`strip_source_boilerplate`, after a batch): a short line in the
  top or bottom zone of at least `MIN_DOCS` documents that either reads as contact/register data (phone,
  e-mail, postcode, IBAN, register number, web address) or sits in a large share of the documents.

Headings, table rows and long lines never count across documents: two versions of one text share those
and must keep them. The lines a document lost are found again in its `boilerplate`, so running the pass
again over stored documents gives the same result.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from auskunft.models import Document, PageText

ZONE_LINES = 4  # non-empty lines at the top and at the bottom of a page that may be letterhead/footer
MIN_DOCS = 3  # documents that must share a line before it counts as the source's boilerplate
SITE_SHARE = 0.3  # ... or this share of the source's documents of one kind (at least SITE_MIN_DOCS)
SITE_MIN_DOCS = 5
MAX_LINE_CHARS = 160

PAGE_NUMBER = re.compile(
    r"^\s*(?:(?:seite|page|s\.|blatt)\s*\d+(?:\s*(?:von|of|/)\s*\d+)?|-?\s*\d+\s*-?|\d+\s*/\s*\d+)\s*$", re.I
)
CONTACT = re.compile(
    r"(?:tel(?:efon|\.)?|fon|fax|mobil|handy|phone)\s*[.:]?\s*[+(]?\d"  # phone
    r"|[\w.+-]+@[\w-]+\.[\w.-]+"  # e-mail
    r"|\b\d{5}\s+[A-ZÄÖÜ][\wäöüß-]+"  # German postcode + town
    r"|\biban\b|\bbic\b|\bbankverbindung|\bkonto\b"
    r"|\b(?:vereinsregister|registergericht|amtsgericht|steuer-?nr|ust-?id)|\bVR\s?\d+"
    r"|\bwww\.|https?://",
    re.I,
)
_MARKUP = re.compile(r"[*_`~]+|<[^>]+>")


def line_key(line: str) -> str:
    """Comparison key: no markdown emphasis, no case, single spaces."""
    return " ".join(_MARKUP.sub("", line).split()).casefold()


def plain(line: str) -> str:
    """A line as metadata: without markdown emphasis and heading marks."""
    return " ".join(_MARKUP.sub("", line).lstrip("#").split())


def _nonempty(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.strip()]


def _zone_keys(markdown: str) -> set[str]:
    lines = _nonempty(markdown)
    if len(lines) <= 2 * ZONE_LINES:
        zone = lines
    else:
        zone = lines[:ZONE_LINES] + lines[-ZONE_LINES:]
    return {line_key(line) for line in zone if line_key(line)}


def _drop(markdown: str, keys: set[str], numbers: bool) -> tuple[str, list[str]]:
    """Remove the zone lines whose key is in `keys` (and page-number lines when `numbers`)."""
    lines = markdown.splitlines()
    nonempty = [i for i, line in enumerate(lines) if line.strip()]
    zone = set(
        nonempty if len(nonempty) <= 2 * ZONE_LINES else nonempty[:ZONE_LINES] + nonempty[-ZONE_LINES:]
    )
    removed: list[str] = []
    kept: list[str] = []
    for i, line in enumerate(lines):
        if i in zone and (line_key(line) in keys or (numbers and PAGE_NUMBER.match(plain(line)))):
            removed.append(line)
        else:
            kept.append(line)
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
    return text, removed


def _merge(into: list[str], lines: Iterable[str]) -> list[str]:
    """Append the lines not yet in `into` (by key), skipping page numbers; the original wording is kept."""
    seen = {line_key(x) for x in into}
    out = list(into)
    for line in lines:
        text = plain(line)
        key = line_key(line)
        if text and key not in seen and not PAGE_NUMBER.match(text):
            seen.add(key)
            out.append(text)
    return out


def strip_repeated_page_lines(pages: list[PageText]) -> tuple[list[PageText], list[str]]:
    """Pages without the lines repeated in the top/bottom zone of most pages, and those lines (once)."""
    filled = [p for p in pages if p.markdown.strip()]
    if len(filled) < 2:
        return pages, []
    counts = Counter(k for p in filled for k in _zone_keys(p.markdown))
    need = max(2, (len(filled) + 1) // 2)
    keys = {k for k, n in counts.items() if n >= need and len(k) <= MAX_LINE_CHARS}
    out: list[PageText] = []
    removed: list[str] = []
    for p in pages:
        text, gone = _drop(p.markdown, keys, numbers=True)
        if not text and p.markdown.strip():  # a page of nothing but repeated lines keeps them
            text, gone = p.markdown, []
        removed += gone
        out.append(p.model_copy(update={"markdown": text}))
    return out, _merge([], removed)


def source_boilerplate(docs: list[Document]) -> set[str]:
    """Keys of lines that are boilerplate across these documents (pass one kind of documents at a time)."""
    df: Counter[str] = Counter()
    for doc in docs:
        keys = {k for p in doc.pages for k in _zone_keys(p.markdown)}
        keys |= {line_key(x) for x in doc.boilerplate}
        df.update(keys)
    site_need = max(SITE_MIN_DOCS, int(SITE_SHARE * len(docs) + 0.999))
    out = set()
    for key, n in df.items():
        if n < MIN_DOCS or len(key) > MAX_LINE_CHARS or key.startswith(("#", "|")):
            continue
        if CONTACT.search(key) or n >= site_need:
            out.add(key)
    return out


def strip_source_boilerplate(docs: list[Document]) -> list[Document]:
    """Documents (of one source) that changed after removing the source's boilerplate lines, updated."""
    changed: list[Document] = []
    for kind in ("pdf", "html"):
        group = [d for d in docs if d.kind == kind]
        if len(group) < MIN_DOCS:
            continue
        keys = source_boilerplate(group)
        if not keys:
            continue
        for doc in group:
            pages: list[PageText] = []
            removed: list[str] = []
            for p in doc.pages:
                text, gone = _drop(p.markdown, keys, numbers=False)
                pages.append(p.model_copy(update={"markdown": text}) if gone else p)
                removed += gone
            if not removed or not any(p.markdown.strip() for p in pages):
                continue  # nothing found, or nothing would be left: keep the document as it is
            doc.pages = pages
            doc.boilerplate = _merge(doc.boilerplate, removed)
            changed.append(doc)
    return changed
