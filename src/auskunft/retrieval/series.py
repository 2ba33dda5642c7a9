"""Document series: dated editions of one kind of document, told apart by the date in their address.

Association sites keep every edition: the minutes of each year's general meeting (`dokumente/jhv_2019.pdf` …
`jhv_2024.pdf`), a yearly report (`jahresrueckblick_2023.pdf`), the job board's repeated ads
(`jobboerse/2025/04/10/bfv.html`), "Bürgerversammlung 2014.pdf" and "Bürgerversammlung-2018.pdf". A question
that names no year ("wer ist vorsitzender", "wieviele mitglieder hat der verein") asks about the present, but
the older editions say the same things in the same words and fill the first places (pep-dortmund: the 2017,
2019 and 2022 minutes ranked above the current board page and the 2024 minutes).

An address's series is the address with its dates taken out (ISO or German dates, a day and a month name, a
bare year), its words joined without separators (month names dropped, umlauts spelt out): the editions of one
series differ in their dates only, whatever separators or spelling each year's file name used.
Among the candidates of one search, an edition is *superseded* when another candidate of its series carries
a later date. `auskunft.retrieval.votes` lowers superseded candidates for questions that name no year (a
question that names one is served by the year vote). Other numbers in the address stay part of the series
("Ausschreibung_1_Senioren_2025" and "Ausschreibung_2_Senioren_2025" are two documents, not two editions).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from urllib.parse import unquote

from auskunft.extract.dates import MONTHS

# a month's name as the extractor's dates know it ("Jan", "Januar", "März", "Maerz", "Sept", "December")
_MONTH = "(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + ")"
YEAR = r"(?:19[5-9]\d|20\d\d)"  # a year an address or a question names
# the dates an address may carry, longest forms first; each gives (year, month, day)
_DATES = re.compile(
    rf"(?<![0-9])(?P<iy>{YEAR})[-_/.](?P<im>[01]?\d)[-_/.](?P<id>[0-3]?\d)(?![0-9])"  # 2025-04-10, 2025/04/10
    rf"|(?<![0-9])(?P<gd>[0-3]?\d)\.(?P<gm>[01]?\d)\.(?P<gy>{YEAR})(?![0-9])"  # 10.04.2025
    rf"|(?<![0-9])(?P<nd>[0-3]?\d)\.?[\s_-]*(?P<nm>{_MONTH})\.?[\s_-]*(?P<ny>{YEAR})(?![0-9])"  # 31. Jan 2017
    rf"|(?<![0-9a-zäöüß])(?P<ym>{_MONTH})\.?[\s_-]*(?P<yy>{YEAR})(?![0-9])"  # Januar 2016
    rf"|(?<![0-9])(?P<y>{YEAR})(?![0-9])",  # 2019
    re.IGNORECASE,
)
_MONTH_WORD = re.compile(_MONTH, re.IGNORECASE)  # a word that is a month name, whole
_WORD = re.compile(r"[0-9a-zäöüß]+")
_SPELT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
# what names no document: an address whose words are only these is a number, not an edition ("/node/2019",
# "beir://scifact/2014", "/2021.html")
_NO_NAME = frozenset({"html", "htm", "php", "asp", "aspx", "pdf", "index", "node", "p", "id", "page"})

Date = tuple[int, int, int]


def _date(m: re.Match[str]) -> Date:
    g = m.groupdict()
    if g["iy"]:
        return int(g["iy"]), int(g["im"]), int(g["id"])
    if g["gy"]:
        return int(g["gy"]), int(g["gm"]), int(g["gd"])
    if g["ny"]:
        return int(g["ny"]), MONTHS[g["nm"].lower()], int(g["nd"])
    if g["yy"]:
        return int(g["yy"]), MONTHS[g["ym"].lower()], 0
    return int(g["y"]), 0, 0


@lru_cache(maxsize=8192)
def series_of(url: str) -> tuple[str, Date] | None:
    """(the series, the edition's date) of a document's address; None for an address without a date, or with
    nothing but a date or number to name the document."""
    address = unquote(url.split("#", 1)[0].split("?", 1)[0]).lower()
    host, _, path = address.partition("://")[2].partition("/")
    dates = [_date(m) for m in _DATES.finditer(path)]
    if not dates:
        return None
    rest = _DATES.sub(" ", path)
    words = [w for w in _WORD.findall(rest) if not _MONTH_WORD.fullmatch(w)]
    if not any(w not in _NO_NAME and not w.isdigit() for w in words):
        return None
    # joined without separators, umlauts spelt out: one series whatever the year's file name used
    # ("Jahres-Meisterschaften-2021", "Jahresmeisterschaften_2023"; "Schützenmeisters" and "Schuetzenmeisters")
    return host + "/" + "".join(words).translate(_SPELT), max(dates)


def _later(a: Date, b: Date) -> bool:
    """`a` is later than `b` at the precision both give (a bare year is not earlier than a day of it)."""
    for x, y in zip(a, b, strict=True):
        if not x or not y:
            return False
        if x != y:
            return x > y
    return False


def superseded(urls: Sequence[str]) -> list[bool]:
    """For each address: another address of the list belongs to its series with a later date."""
    found = [series_of(u) for u in urls]
    dates: dict[str, set[Date]] = {}
    for s in found:
        if s is not None:
            dates.setdefault(s[0], set()).add(s[1])
    return [s is not None and any(_later(d, s[1]) for d in dates[s[0]]) for s in found]
