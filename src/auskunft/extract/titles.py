"""The title a citation shows: the best of the document's heading, the link texts, its metadata, its file name.

PDF title metadata is what the authoring tool wrote: "Microsoft Word - Stellungnahme_V002", "Dokument1",
"Untitled", a file name. It is used only when it reads like a title. A PDF's first heading (after its
letterhead is gone) names it best; then the text of the links that point at it ("Satzung (Fassung vom
14. März 2025)"), then plausible metadata, then the file name cleaned up (percent-decoded, NFC, separators
to spaces, version suffixes such as _V002 / -final dropped). HTML pages keep their <title> when it is
plausible.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from urllib.parse import unquote, urlsplit

from auskunft.models import TitleSource

MIN_CHARS = 4
MAX_CHARS = 150

JUNK_TITLE = re.compile(
    r"^(?:microsoft\s*(?:word|excel|powerpoint)|untitled|unbenannt|ohne\s+titel|dokument\s*\d*|document\s*\d*|"
    r"neues?\s+dokument|new\s+document|titel|title|präsentation\s*\d*|presentation\s*\d*|folie\s*\d*|"
    r"slide\s*\d*|pdf|home|startseite|index|seite\s*\d*|page\s*\d*|entwurf|draft|brief|letter|"
    r"inhaltsverzeichnis|table\s+of\s+contents)\b(?:\s*[-–:].*|\s*)$",
    re.I,
)
FILE_LIKE = re.compile(
    r"\.(?:docx?|dotx?|odt|rtf|pdf|xlsx?|pptx?|indd|txt|qxp|pages|html?)\s*$|^[^\s]+[_][^\s]+$|^[\w-]+\.\w{2,4}$",
    re.I,
)
TOOL_PREFIX = re.compile(
    r"^(?:microsoft\s*(?:word|excel|powerpoint)|libreoffice|openoffice)\s*[-–:]\s*", re.I
)
GENERIC_LINK = re.compile(
    r"^(?:hier|here|mehr|more|weiter(?:lesen)?|read\s+more|download|herunterladen|pdf|link|öffnen|open|"
    r"ansehen|anzeigen|datei|dokument|document|klicken\s+sie\s+hier|click\s+here|zum\s+download|details|info)\W*$",
    re.I,
)
_LINK_NOISE = re.compile(
    r"\s*[\(\[][^()\[\]]*\b(?:pdf|docx?|xlsx?|download|\d+(?:[.,]\d+)?\s*[kmg]i?b)\b[^()\[\]]*[\)\]]\s*"
    r"|\s*\b(?:pdf|download|herunterladen)\b\s*$|^\s*(?:download|pdf)\s*[:\-–]\s*",
    re.I,
)
VERSION_SUFFIX = re.compile(
    r"(?:[\s_.-]+(?:v|ver|version|rev|stand)[\s_.-]?\d+(?:[._]\d+)*"
    r"|[\s_.-]+(?:final|endfassung|endg(?:ü|ue)ltig|druck|print|web|neu|new|kopie|copy|korr|korrigiert|"
    r"clean|ohne\s*änderungen)"
    r"|\s*\(\d+\))+$",
    re.I,
)


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"[*_`~]{2,}|<[^>]+>", "", text)  # markdown emphasis, stray tags
    return " ".join(text.lstrip("#").split()).strip(" -–:|·")


def plausible(title: str) -> bool:
    """A title a visitor would recognise: not tool junk, not a file name, not too short or long."""
    t = _clean(title)
    if not (MIN_CHARS <= len(t) <= MAX_CHARS):
        return False
    if sum(c.isalpha() for c in t) < 3:
        return False
    return not (JUNK_TITLE.match(t) or FILE_LIKE.search(t) or TOOL_PREFIX.match(t))


def clean_filename(url: str) -> str:
    """'…/Satzung-%C3%BCberarbeitet_V002.pdf' -> 'Satzung-überarbeitet' (dates like 2025-03-14 are kept)."""
    name = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
    name = unicodedata.normalize("NFC", name)
    name = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", name)
    prev = None
    while prev != name:  # "..._V002-final" loses both suffixes
        prev, name = name, VERSION_SUFFIX.sub("", name)
    name = name.replace("_", " ").replace("+", " ")
    name = re.sub(r"(?<!\d)-(?!\d)|(?<=\d)-(?!\d)|(?<!\d)-(?=\d)", " ", name)  # hyphens between words
    return " ".join(name.split())


def clean_link_text(text: str) -> str:
    """Link text without '(PDF, 3 KB)', 'Download:' and the like; '' for generic texts ('hier', 'mehr')."""
    t = _clean(text)
    prev = None
    while prev != t:
        prev, t = t, _LINK_NOISE.sub(" ", t).strip()
    t = " ".join(t.split())
    return "" if GENERIC_LINK.match(t) else t


def first_heading(markdown: str, max_level: int = 3) -> str:
    """The top-level markdown heading (levels 1..max_level; the first of the highest level) that reads like
    a title: a small "Pressemitteilung" above the real heading does not win."""
    found = []
    for m in re.finditer(rf"^(#{{1,{max_level}}})\s+(.+?)\s*#*\s*$", markdown, re.M):
        text = _clean(m.group(2))
        if plausible(text):
            found.append((len(m.group(1)), m.start(), text))
    return min(found)[2] if found else ""


_BOLD_LINE = re.compile(r"^\s*\|?\s*\*\*([^*|]{4,200})\*\*\s*\|?\s*$")


def document_heading(pages: list[str]) -> str:
    """A PDF's own title: the top heading of page 1, else its first bold line (a title set in a table cell or
    a bold paragraph), else the top heading of page 2 (after a cover or table of contents)."""
    if not pages:
        return ""
    first = first_heading(pages[0])
    if first:
        return first
    for line in pages[0].splitlines():
        m = _BOLD_LINE.match(line)
        if m and plausible(m.group(1)):
            return _clean(m.group(1))
    return first_heading(pages[1]) if len(pages) > 1 else ""


def best_link_text(texts: list[str]) -> str:
    """The most frequent plausible link text (ties: the longer one)."""
    cleaned = [t for t in (clean_link_text(x) for x in texts) if plausible(t)]
    if not cleaned:
        return ""
    counts = Counter(cleaned)
    return max(counts, key=lambda t: (counts[t], len(t)))


def choose_title(
    *,
    kind: str,
    url: str,
    html_title: str = "",
    heading: str = "",
    link_texts: list[str] | None = None,
    metadata: str = "",
) -> tuple[str, TitleSource]:
    """(title, where it came from) for a document."""
    link = best_link_text(link_texts or [])
    if heading and link and " " not in heading.strip() and heading.casefold() in link.casefold():
        heading = ""  # one generic word ("Pressemitteilung"); the link names the document better
    candidates: list[tuple[str, TitleSource]] = []
    if kind == "html":
        candidates += [(html_title, "html-title"), (heading, "heading")]
    else:
        candidates += [(heading, "heading")]
    candidates += [(link, "link"), (metadata, "metadata")]
    for text, source in candidates:
        if text and plausible(text):
            return _clean(text), source
    name = clean_filename(url)
    if sum(c.isalpha() for c in name) >= 3:
        return name, "filename"
    return url, "url"
