"""The title a citation shows: the best of the document's heading, the link texts, its metadata, its file name.

PDF title metadata is what the authoring tool wrote: "Microsoft Word - Stellungnahme_V002", "Dokument1",
"Untitled", a file name. It is used only when it reads like a title. A PDF's first heading (after its
letterhead is gone) names it best; then the text of the links that point at it ("Satzung (Fassung vom
14. März 2025)"), then plausible metadata, then the file name cleaned up (percent-decoded, NFC, separators
to spaces, version suffixes such as _V002 / -final dropped). HTML pages keep their <title> when it is
plausible.

A text that is a file name ("2023_05_Protokoll_final.pdf", "Stellungnahme anhoerung iqb v02f": extension,
underscores, version tags, lower-case transliterated words) is no title while the document's first title-like
line can stand in. A link text whose main part only names the file type ("PDF-Datei (Original-
Pressemitteilung)", "Word-Dokument", "Download") is none either; texts shared by many targets of a source
are dropped when the link texts are collected (links.py).
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
    r"|\s*\b(?:(?:als|as|im|in)\s+)?(?:pdf|download|herunterladen)\b\s*$|^\s*(?:download|pdf)\s*[:\-–]\s*",
    re.I,
)
VERSION_SUFFIX = re.compile(
    r"(?:[\s_.-]+(?:v|ver|version|rev|stand)[\s_.-]?\d+(?:[._]\d+)*[a-z]?"
    r"|[\s_.-]+(?:final|endfassung|endg(?:ü|ue)ltig|druck|print|web|neu|new|kopie|copy|korr|korrigiert|"
    r"clean|ohne\s*änderungen)"
    r"|\s*\(\d+\))+$",
    re.I,
)


# words a file name carries and a title does not: version tags, drafts, copies ("v02f", "final", "kopie")
FILE_TAG = re.compile(
    r"(?:^|[\s_.-])(?:v|ver|rev)\d+[a-z]?(?=$|[\s_.-])|(?:^|[\s_.-])(?:final|kopie|copy|korr|entwurf\d+)(?=$|[\s_.-])"
    r"|^\d{4}[_-]\d{2}(?:[_-]\d{2})?[_-]",
    re.I,
)
# words a title keeps in lower case; any other lower-case word of a cleaned file name was a noun there
FUNCTION_WORDS = frozenset(
    "ab als am an auf aus bei beim bis das dem den der des die durch ein eine einer eines für gegen im in ins "
    "mit nach ohne oder seit über um und unter vom von vor zu zum zur and of the for to on in".split()
)
# words that name a file or its type, not a document ("PDF-Datei", "Word-Dokument", "Download")
FILE_TYPE_WORDS = frozenset(
    "pdf pdfs doc docx odt rtf xls xlsx ods ppt pptx odp zip txt csv jpg png word excel powerpoint datei dateien "
    "dokument dokumente document file download downloads herunterladen öffnen ansehen anzeigen version "
    "fassung druckversion druckfassung link".split()
)


def looks_like_filename(text: str) -> bool:
    """'2023_05_Protokoll_final.pdf', 'Stellungnahme anhoerung iqb v02f', 'Jahresbericht_2024' -> True."""
    t = " ".join(text.split()).strip(" #*")
    return bool(t and (FILE_LIKE.search(t) or FILE_TAG.search(t)))


def reads_like_title(name: str) -> bool:
    """A cleaned file name that reads as a title: no file tags and no lower-case content words
    ('Beitragsordnung 2026' yes, 'Stellungnahme anhoerung iqb' no)."""
    if looks_like_filename(name):
        return False
    words = re.findall(r"[^\W\d_]+", name)
    return (
        bool(words)
        and not any(w.islower() and w not in FUNCTION_WORDS and len(w) > 2 for w in words[1:])
        and (not words[0].islower())
    )


def names_file_type(text: str) -> bool:
    """The text, outside parentheses, only names a file or its type: 'PDF-Datei (Original-Pressemitteilung)',
    'Download als PDF', 'Word-Dokument (120 KB)'."""
    main = re.sub(r"[\(\[][^()\[\]]*[\)\]]", " ", text)
    words = re.findall(r"[^\W\d_]+", main.casefold())
    filler = FUNCTION_WORDS | {"kb", "mb", "gb", "ca", "als", "as", "hier", "here", "zum", "die", "diese"}
    return any(w in FILE_TYPE_WORDS for w in words) and all(
        w in FILE_TYPE_WORDS or w in filler for w in words
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
    return not (JUNK_TITLE.match(t) or looks_like_filename(t) or TOOL_PREFIX.match(t))


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
    return "" if GENERIC_LINK.match(t) or names_file_type(t) or names_file_type(text) else t


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


_NOT_A_TITLE_LINE = re.compile(
    r"^(?:herrn?|frau|an\s|z\.\s?hd|sehr\s+geehrte|liebe|hallo|seite\s+\d)"  # address, salutation, page
    r"|\b\d{5}\s+\w|str(?:aße|asse|\.)\s*\d|@|https?://|www\.|\b(?:tel|fax|iban)\b"  # contact data
    r"|^\W*\d{1,2}\.\s*(?:\d{1,2}\.|[a-zäöü]+)\s*\d{2,4}\W*$|^[\w\s.-]+,\s*(?:den\s+)?\d{1,2}\.",  # dates
    re.I,
)
_SUBJECT = re.compile(r"^(?:betreff|betr\.|subject)\s*:?\s*", re.I)
FIRST_LINES = 8  # non-empty lines of page 1 looked at
FIRST_LINE_CHARS = 100


def first_line(markdown: str) -> str:
    """A document's first line that reads as its title: a "Betreff:" line, else the first short line that
    is no address, salutation, date or sentence ('Einladung zur Mitgliederversammlung 2025')."""
    lines = [
        plain
        for raw in markdown.splitlines()
        if (plain := _clean(re.sub(r"^\s*(?:[-*+]|\d+\.)\s+", "", raw)))
    ]
    lines = [x for x in lines[:FIRST_LINES] if not x.startswith("|")]
    for line in lines:
        if _SUBJECT.match(line):
            subject = _SUBJECT.sub("", line)
            if plausible(subject) and len(subject) <= FIRST_LINE_CHARS:
                return subject
    for line in lines:
        if (
            len(line) <= FIRST_LINE_CHARS
            and not line.endswith((".", ",", ";", ":"))
            and line[0].isupper()
            and not _NOT_A_TITLE_LINE.search(line)
            and plausible(line)
        ):
            return line
    return ""


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
    first_text_line: str = "",
) -> tuple[str, TitleSource]:
    """(title, where it came from) for a document: heading, link text, metadata, a file name that reads as a
    title, the first title-like line, the file name."""
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
    if first_text_line and plausible(first_text_line) and not reads_like_title(name):
        return _clean(first_text_line), "first-line"
    if sum(c.isalpha() for c in name) >= 3:
        return name, "filename"
    return url, "url"
