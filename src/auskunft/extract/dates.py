"""Every document gets a date, and the place it came from (see models.DateSource).

Preference, most specific first: a dated marker in the text ("Stand: März 2025", "Veröffentlicht am
15. März 2025", a letter's "Lindenhof, 3. Februar 2025"), HTML metadata (<meta> publication/modification
dates, <time datetime>), the sitemap's <lastmod>, the PDF's modification then creation date, a full date or
year-month in the URL or title, HTTP Last-Modified, a year alone in the URL or title, the latest date the
text mentions (never after the crawl), and at last the crawl time. Dates before 1950 or after the crawl
are ignored everywhere.
"""

from __future__ import annotations

import datetime as dt
import re
from email.utils import parsedate_to_datetime
from urllib.parse import unquote

from auskunft.models import DateSource

MONTHS = {
    "januar": 1, "jan": 1, "jänner": 1, "january": 1,
    "februar": 2, "feb": 2, "february": 2,
    "märz": 3, "maerz": 3, "mär": 3, "mrz": 3, "march": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mai": 5, "may": 5,
    "juni": 6, "jun": 6, "june": 6,
    "juli": 7, "jul": 7, "july": 7,
    "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "october": 10, "oct": 10,
    "november": 11, "nov": 11,
    "dezember": 12, "dez": 12, "december": 12, "dec": 12,
}  # fmt: skip
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
MIN_YEAR = 1950

# one date expression; named groups d/m/y or mon/y
DATE = re.compile(
    rf"(?<!\d)(?P<iy>(?:19|20)\d\d)-(?P<im>\d\d)-(?P<id>\d\d)(?!\d)"  # 2024-03-12
    rf"|(?<![\d.])(?P<d>\d{{1,2}})\.\s?(?P<m>\d{{1,2}})\.\s?(?P<y>(?:19|20)\d\d)(?!\d)"  # 12.03.2024
    rf"|(?<!\w)(?:(?P<td>\d{{1,2}})\.?\s*)?(?P<mon>{_MONTH})\.?\s+(?P<ty>(?:19|20)\d\d)(?!\d)"  # 12. März 2024 / März 2024
    rf"|(?<![\d./])(?P<nm>\d{{1,2}})[./](?P<ny>(?:19|20)\d\d)(?![\d./])",  # 03/2024, 03.2024
    re.I,
)
MARKER = re.compile(
    r"(?:stand|zuletzt\s+(?:geändert|aktualisiert)|aktualisiert(?:\s+am)?|veröffentlicht(?:\s+am)?|"
    r"erstellt(?:\s+am)?|datum|date|published|updated|last\s+updated|beschlossen\s+am|fassung\s+vom)"
    r"\s*[:,]?\s*(?:am|vom|den)?\s*$",
    re.I,
)
LETTER_LINE = re.compile(r"^[A-ZÄÖÜ][\wäöüß. /()-]{1,40},\s*(?:den\s+)?(?P<date>.+)$")
URL_DATE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d\d)[-_/.]?(?P<m>0[1-9]|1[0-2])(?:[-_/.]?(?P<d>0[1-9]|[12]\d|3[01]))?(?!\d)"
)
URL_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


def _make(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _from_match(m: re.Match[str]) -> dt.date | None:
    g = m.groupdict()
    if g["iy"]:
        return _make(int(g["iy"]), int(g["im"]), int(g["id"]))
    if g["y"]:
        return _make(int(g["y"]), int(g["m"]), int(g["d"]))
    if g["mon"]:
        return _make(int(g["ty"]), MONTHS[g["mon"].lower()], int(g["td"] or 1))
    if g["ny"]:
        return _make(int(g["ny"]), int(g["nm"]), 1)
    return None


def dates_in(text: str) -> list[tuple[int, dt.date]]:
    """(offset, date) of every date expression in the text."""
    out = []
    for m in DATE.finditer(text):
        d = _from_match(m)
        if d is not None:
            out.append((m.start(), d))
    return out


def _ok(d: dt.date | None, latest: dt.date) -> bool:
    return d is not None and MIN_YEAR <= d.year and d <= latest


def marked_date(text: str, latest: dt.date, head_chars: int = 3000) -> dt.date | None:
    """A date the text declares as its own: after "Stand:", "Veröffentlicht am", or a letter's date line."""
    head = re.sub(r"[*_`~]+", "", text[:head_chars])
    for offset, d in dates_in(head):
        before = head[max(0, offset - 40) : offset]
        if MARKER.search(before.split("\n")[-1]) and _ok(d, latest):
            return d
    for line in head.splitlines()[:15]:
        m = LETTER_LINE.match(line.strip())
        if m and len(line.strip()) <= 60:
            found = dates_in(m.group("date"))
            if found and found[0][0] == 0 and _ok(found[0][1], latest):
                return found[0][1]
    return None


def parse_iso(value: str | None) -> dt.date | None:
    """A date from an ISO date/datetime string (sitemap lastmod, meta tags, <time datetime>)."""
    m = re.match(r"\s*(\d{4})-(\d{2})(?:-(\d{2}))?", value or "")
    return _make(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1)) if m else None


def parse_http_date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).date()
    except (TypeError, ValueError, IndexError):
        return None


def url_date(url: str, title: str = "") -> tuple[dt.date | None, dt.date | None]:
    """(full date or year-month, year alone) found in the URL path or the title."""
    path = unquote(url.split("?", 1)[0].split("#", 1)[0])
    path = path.split("://", 1)[-1].split("/", 1)[-1]
    full = None
    m = URL_DATE.search(path)
    if m:
        full = _make(int(m.group("y")), int(m.group("m")), int(m.group("d") or 1))
    if full is None and title:
        found = dates_in(title)
        full = found[0][1] if found else None
    year = None
    years = URL_YEAR.findall(path) or URL_YEAR.findall(title)
    if years:
        year = _make(int(years[-1]), 1, 1)
    return full, year


def choose_date(
    *,
    text: str,
    url: str,
    title: str = "",
    crawled_at: dt.datetime,
    html_meta: str | None = None,
    sitemap_lastmod: str | None = None,
    pdf_dates: dict[str, str] | None = None,
    last_modified: str | None = None,
    boilerplate: list[str] | None = None,
    is_listing: bool = False,
) -> tuple[dt.date, DateSource]:
    """(date, source) of a document; see the module docstring for the order. Running headers moved to
    `boilerplate` ("Satzung, Fassung vom …") count as text; a listing's text dates its teasers, not itself."""
    latest = crawled_at.date() + dt.timedelta(days=1)
    marked = None if is_listing else marked_date("\n".join([*(boilerplate or []), text]), latest)
    pdf_dates = pdf_dates or {}
    full, year = url_date(url, title)
    candidates: list[tuple[dt.date | None, DateSource]] = [
        (marked, "text"),
        (parse_iso(html_meta), "html-meta"),
        (parse_iso(sitemap_lastmod), "sitemap"),
        (parse_iso(pdf_dates.get("pdf-modified")), "pdf-modified"),
        (parse_iso(pdf_dates.get("pdf-created")), "pdf-created"),
        (full, "url"),
        (parse_http_date(last_modified), "http"),
        (year, "year"),
    ]
    for d, source in candidates:
        if d is not None and _ok(d, latest):
            return d, source
    mentioned = [d for _, d in dates_in(text[:20000]) if _ok(d, latest)]
    if mentioned:
        return max(mentioned), "mentioned"
    return crawled_at.date(), "crawled"
