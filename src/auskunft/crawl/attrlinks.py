"""Links that live in attributes other than href: buttons and rows that open a page or PDF by script.

Sites link documents from buttons (`<button onclick="window.open('/presse/pm.pdf')">`), from clickable
rows and cards (`<tr data-href="/termine/5">`, `<div data-url="…">`) and from `javascript:` hrefs. Only a
URL written out as one string literal counts ("'/x/' + id" is not followed); the caller resolves it and
runs it through the same scope, robots, exclude and address rules as any link.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Protocol

DATA_ATTRS = ("data-href", "data-url", "data-link")
SCRIPT_ATTRS = ("onclick", "onmousedown", "onkeypress", "onkeydown", "onkeyup")

# window.open('…'), location.href = '…', location.assign("…"), document.location = '…', self.location.replace(…)
_CALL = r"(?:\bwindow\.open|\blocation\s*\.\s*(?:assign|replace))\s*\(\s*"
_ASSIGN = r"\blocation(?:\s*\.\s*href)?\s*=\s*"
SCRIPT_URL = re.compile(
    rf"(?:{_CALL}|{_ASSIGN})(?P<q>['\"`])(?P<url>[^'\"`\s<>{{}}$+]{{1,2000}})(?P=q)(?!\s*\+)", re.I
)


class _Element(Protocol):
    def get(self, key: str, default: str | None = None) -> str | None: ...


def script_urls(code: str) -> list[str]:
    """URLs a script snippet navigates to or opens: "window.open('/a.pdf','_blank')" -> ['/a.pdf']."""
    out = []
    for m in SCRIPT_URL.finditer(code or ""):
        url = m.group("url")
        if not url.lower().startswith(("javascript:", "data:", "mailto:", "tel:")):
            out.append(url)
    return out


def attribute_urls(el: _Element) -> Iterator[str]:
    """The URLs an element opens through data-href/data-url/data-link, onclick handlers or a javascript: href
    (as written: resolve them against the page)."""
    for name in DATA_ATTRS:
        value = (el.get(name) or "").strip()
        if value and not value.startswith(("#", "javascript:", "mailto:", "tel:", "{")) and " " not in value:
            yield value
    for name in SCRIPT_ATTRS:
        yield from script_urls(el.get(name) or "")
    href = (el.get("href") or "").strip()
    if href.lower().startswith("javascript:"):
        yield from script_urls(href)


# elements that may carry such links (an XPath for lxml documents)
XPATH = (
    "//*["
    + " or ".join(f"@{a}" for a in (*DATA_ATTRS, *SCRIPT_ATTRS))
    + " or starts-with(@href, 'javascript:')]"
)
