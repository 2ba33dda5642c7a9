"""Text defects real sites show, cleaned where extraction makes them (HTML and PDF pages alike).

Each rule is a small function over a page's markdown; `clean_markdown` runs them in order:

- `strip_inline_html`: markup left as *text*: a CMS field escaped twice (`&lt;u&gt;Kreidestaub&lt;/u&gt;`
  in the HTML, "<u>Kreidestaub</u>" on screen), pymupdf4llm's "<br>" inside PDF table cells, HTML printed
  into a PDF, entities such as "&amp;amp;". Known tag names only ("<Vorname>" stays); code is left alone.
- `join_hyphenation`: words split at a line end ("bedeu- tet", "Leh-\\nrerinnen"; OCR and PDF layout join
  lines with a space) are joined; enumerations ("Vor- und Nachname", "Ein- bis zweimal") and hyphenated
  compounds ("E- Mail-Adresse" -> "E-Mail-Adresse", "deutsch- französisch") keep their hyphen. A lower
  case word after a hyphen is German orthography only after an adjective or abbreviation; there the
  German lexicon decides whether the joined word exists.
- `drop_toc`: table-of-contents entries with leaders ("§9 Auflösung .......... 5") are navigation, not
  content; they leave the page (and a "Inhaltsverzeichnis" heading with nothing left under it).
- `repair_links`: markdown link syntax that cannot be read back (a link whose text held paragraphs and was
  cut into blocks, "]( ... )" with no "[") is reduced to its text.
- `dehead_filenames`: a heading that is a file name ("2023_05_Protokoll_final.pdf") stays as text but is
  no heading (not a title, not a heading path).
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable

from auskunft.extract.boilerplate import CONTACT, MAX_LINE_CHARS, ZONE_LINES, plain
from auskunft.extract.titles import looks_like_filename
from auskunft.models import PageText

# tags whose literal text ("<u>", "</strong>", "<br/>") is markup, not content
_TAGS = (
    "a|abbr|b|big|blockquote|br|center|cite|code|del|div|em|font|h[1-6]|hr|i|img|ins|li|mark|ol|p|q|s|small|"
    "span|strike|strong|sub|sup|table|tbody|td|th|thead|tr|u|ul"
)
INLINE_TAG = re.compile(rf"</?(?:{_TAGS})\b(?:\s+[^<>]*)?/?>", re.I)
_BREAK_TAG = re.compile(r"<hr\b[^<>]*/?>|</?(?:p|div|li|tr)\b[^<>]*>", re.I)  # <br> joins with a space
ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-f]{1,6}|[a-z][a-z0-9]{1,31});", re.I)
_CODE = re.compile(r"```.*?```|`[^`\n]+`", re.S)


def _outside_code(text: str, fix: Callable[[str], str]) -> str:
    """`fix` applied to the parts of `text` that are not code fences or inline code."""
    out, pos = [], 0
    for m in _CODE.finditer(text):
        out += [fix(text[pos : m.start()]), m.group(0)]
        pos = m.end()
    return "".join([*out, fix(text[pos:])])


def _unescape(text: str) -> str:
    prev = None
    while prev != text:  # "&amp;amp;" -> "&amp;" -> "&"
        prev, text = text, ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
    return text.replace("\xa0", " ")


_SUP = re.compile(r"<sup>\s*([0-9]{1,3})\s*</sup>", re.I)
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _strip_tags(text: str) -> str:
    text = _SUP.sub(lambda m: m.group(1).translate(_SUPERSCRIPT), _unescape(text))  # "m<sup>2</sup>" -> "m²"
    lines = []
    for line in text.split("\n"):
        sep = " " if line.lstrip().startswith("|") else "\n"  # a table row stays one line
        line = _BREAK_TAG.sub(sep, re.sub(r"<br\b[^<>]*/?>", " ", line, flags=re.I))
        lines.append(INLINE_TAG.sub("", line))
    return re.sub(r"[ \t]{2,}", " ", "\n".join(lines)) if lines else text


def strip_inline_html(md: str) -> str:
    """'Text mit <u>Kreidestaub</u> und<br>mehr &amp;amp; so' -> 'Text mit Kreidestaub und\\nmehr & so'."""
    if "<" not in md and "&" not in md:
        return md
    return _outside_code(md, _strip_tags)


# --- hyphenation ---------------------------------------------------------------------------------------

# words after "Vor- " that make it an enumeration ("Vor- und Nachname", "Säulen- u. Stützen"), no split word
CONJUNCTIONS = frozenset(
    "und oder bzw beziehungsweise sowie bis wie als noch resp respektive statt u o".split()
)
_HYPHENS = "-\u00ad\u2010\u2011\u00ac"  # hyphen, soft hyphen, Unicode hyphens, "¬" (OCR)
_SPLIT = re.compile(rf"(?<!\w)([^\W\d_]\w*)[{_HYPHENS}]([ \t]*\n(?:[ \t]*\n)?[ \t]*|[ \t]+)(?=(\S+))")
_WORD = re.compile(r"[^\W\d_]+", re.U)


@functools.cache
def _lexicon() -> Callable[[str], bool] | None:
    """word -> whether German knows it (auskunft.text.german_lexicon's wordfreq frequency), None without it."""
    try:
        import wordfreq  # noqa: F401  (german_lexicon.zipf imports it on use)

        from auskunft.text import german_lexicon
    except ImportError:
        return None
    return lambda word: german_lexicon.zipf(word) > 0


def _join(left: str, right_word: str) -> str:
    """How "left-" and the next word's letters meet: "" (one word), "-" (hyphenated) or " -" (kept apart)."""
    if right_word.casefold() in CONJUNCTIONS or not right_word:
        return "keep"
    if right_word[0].isupper():
        return "-"  # "E- Mail-Adresse", "Mitglieder- Versammlung": a compound with a hyphen of its own
    if left.isupper() or len(left) == 1:
        return "-"  # "US- amerikanisch", "x- beliebig"
    if left[0].islower():  # after an adjective/prefix a hyphen may be real ("deutsch- französisch")
        known = _lexicon()
        if known is not None and not known(left + right_word) and known(left) and known(right_word):
            return "-"
    return ""  # a noun's continuation in lower case is a split word ("Leh- rerinnen", "bedeu- tet")


def join_hyphenation(md: str) -> str:
    """'bedeu- tet' -> 'bedeutet', 'E- Mail' -> 'E-Mail'; 'Vor- und Nachname' stays. Soft hyphens go."""
    if not any(h in md for h in _HYPHENS):
        return md

    def fix(m: re.Match[str]) -> str:
        left, gap, nxt = m.group(1), m.group(2), m.group(3)
        if "\n" not in gap and len(gap) > 1:
            return m.group(0)  # "Vor-   Ort": spacing of its own, not a wrapped line
        word = _WORD.match(nxt)
        if nxt[0] in ",/&" or word is None:
            return m.group(0)
        how = _join(left, word.group(0))
        if how == "keep":
            return m.group(0)
        return left + how

    md = _SPLIT.sub(fix, md)
    return md.replace("\u00ad", "")


# --- table of contents -----------------------------------------------------------------------------------

_LEADER = r"(?:\.[ \t]?){4,}|(?:…[ \t]?){2,}|(?:·[ \t]?){4,}|_{4,}|(?:-[ \t]?){6,}"
TOC_ENTRY = re.compile(
    rf"[^\n]{{1,160}}?\S[ \t]*(?:{_LEADER})[ \t]*(?:\d{{1,4}}|[ivxlc]{{1,6}})\b[ \t]*", re.I
)
_TOC_HEADING = re.compile(
    r"^(?:#+\s*)?(?:\*\*)?\s*(?:inhaltsverzeichnis|inhalt|table of contents|contents)\s*"
    r"(?:\*\*)?\s*$",
    re.I,
)


def _is_toc_line(line: str) -> bool:
    s = line.strip().strip("|").strip()
    if not s:
        return False
    rest = TOC_ENTRY.sub("", s).strip(" |*")
    return rest == "" and TOC_ENTRY.search(s) is not None


def drop_toc(md: str) -> str:
    """Lines made only of 'entry ..... page' items leave the page; so does a TOC heading left empty."""
    if not re.search(_LEADER, md):
        return md
    lines = md.split("\n")
    toc = {i for i, line in enumerate(lines) if _is_toc_line(line)}
    if not toc:
        return md
    out: list[str] = []
    for i, line in enumerate(lines):
        if i in toc:
            continue
        if _TOC_HEADING.match(line.strip()):
            after = next((j for j in range(i + 1, len(lines)) if lines[j].strip()), None)
            if after is None or after in toc:
                continue  # the heading of entries that are gone
        out.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()


# --- markdown links ---------------------------------------------------------------------------------------

_URL_IN_PARENS = r"\((?:[^()\s]|\([^()\s]*\))*\)"
_GOOD_LINK = re.compile(rf"!?\[[^\[\]\n]*\]{_URL_IN_PARENS}")
_RESIDUE = re.compile(rf"\]{_URL_IN_PARENS}")


def repair_links(md: str) -> str:
    """Well-formed links stay; a ']( url )' without its '[' (or a '[' that never closes) loses the syntax."""
    if "](" not in md:
        return md
    out = []
    for block in re.split(r"(\n\s*\n)", md):
        keep = {m.span() for m in _GOOD_LINK.finditer(block)}
        pieces, pos = [], 0
        for start, end in sorted(keep):
            pieces.append(_strip_residue(block[pos:start]))
            pieces.append(block[start:end])
            pos = end
        pieces.append(_strip_residue(block[pos:]))
        out.append("".join(pieces))
    return "".join(out)


def _strip_residue(text: str) -> str:
    text = _RESIDUE.sub("", text)
    return re.sub(r"(^|\s)\[(?![^\[\]\n]*\])", r"\1", text)  # an opening "[" that never closes


# --- headings that are file names -----------------------------------------------------------------------

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)


def dehead_filenames(md: str) -> str:
    """'# 2023_05_Protokoll_final.pdf' -> '2023_05_Protokoll_final.pdf' (text, not a heading)."""
    return _HEADING.sub(lambda m: m.group(2) if looks_like_filename(m.group(2)) else m.group(0), md)


# --- a letter's own letterhead ------------------------------------------------------------------------------

SALUTATION = re.compile(r"^\W*(?:sehr\s+geehrte|liebe[rs]?\s|hallo\b|guten\s+tag\b|dear\s)", re.I)
ORG_LINE = re.compile(r"\be\.\s?V\.|\bgGmbH\b|\bGmbH\b", re.I)
LETTER_LINES = 25  # a salutation within the first lines of page 1 makes the document a letter


def strip_letterhead(pages: list[PageText]) -> tuple[list[PageText], list[str]]:
    """A letter's sender block (address, phone, e-mail, bank, register lines and the association's name line)
    in the top zone of page 1 above the salutation and in the bottom zone of each page leaves the pages.

    Repeated letterheads are caught by `boilerplate.py` across pages and documents; this is the one letter
    whose letterhead appears once and otherwise gets quoted ("Förderverein … e.V. · Schulweg 5 · 35578 …").
    """
    first = pages[0].markdown.splitlines() if pages else []
    nonempty = [i for i, line in enumerate(first) if line.strip()]
    salutation = next((i for i in nonempty[:LETTER_LINES] if SALUTATION.match(plain(first[i]))), None)
    if salutation is None:
        return pages, []
    out, removed = [], []
    for n, page in enumerate(pages):
        lines = page.markdown.splitlines()
        filled = [i for i, line in enumerate(lines) if line.strip()]
        zone = set(filled[-ZONE_LINES:])
        if n == 0:
            zone |= {i for i in filled[: 2 * ZONE_LINES] if i < salutation}
        gone = {
            i
            for i in zone
            if len(lines[i]) <= MAX_LINE_CHARS
            and not lines[i].rstrip(" *_").endswith((".", "!", "?"))  # a sentence ("… 35578 Wetzlar statt.")
            and not lines[i].lstrip().startswith("#")
            and (CONTACT.search(lines[i]) or ORG_LINE.search(lines[i]))
            and not SALUTATION.match(plain(lines[i]))
        }
        kept = [line for i, line in enumerate(lines) if i not in gone]
        if not gone or not "".join(kept).strip():
            out.append(page)
            continue
        removed += [plain(lines[i]) for i in sorted(gone)]
        out.append(page.model_copy(update={"markdown": re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()}))
    return out, removed


def clean_markdown(md: str) -> str:
    """All text rules of this module, in order (see the module docstring)."""
    for rule in (strip_inline_html, join_hyphenation, drop_toc, repair_links, dehead_filenames):
        md = rule(md)
    return md


def clean_pages(pages: list[PageText], boilerplate: list[str]) -> tuple[list[PageText], list[str]]:
    """A PDF's pages with the text rules applied and a letter's letterhead moved to its boilerplate."""
    pages = [p.model_copy(update={"markdown": clean_markdown(p.markdown)}) for p in pages]
    pages, letterhead = strip_letterhead(pages)
    return pages, boilerplate + [x for x in letterhead if x not in boilerplate]
