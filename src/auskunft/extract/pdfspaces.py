"""Spaces a PDF draws as gaps. Some producers (justified text set with word spacing, some LaTeX and office
exports) place words apart without a space character; MuPDF then reads a line as one word
("auf831€,2017auf821€und2018bisherauf885€.ImJahr2017gingendie..."), which no search term and no reader
finds. Where the markdown holds such a run, the page's characters are read with their positions and a gap
wider than a tenth of the font size between two characters of one MuPDF word becomes a space."""

from __future__ import annotations

import re

import pymupdf

# a run worth checking: a long token without spaces, or a lower case letter before an upper case one or a
# digit next to a letter inside a token ("derPhysiKon", "2017auf") that is not a URL or an e-mail address
_SUSPECT = re.compile(r"[^\s/@]*(?:[a-zäöüß][A-ZÄÖÜ]|[a-zäöüß]{2}\d|\d[a-zäöüß]{2})[^\s/@]*|\S{25,}")
_GAP = 0.12  # of the font size: wider is a space (words drawn apart: 0.135-0.15; justified letters: <= 0.11)
_CLOSING = frozenset(".,:;!?)]}\"'’“”»…%")  # no space before these
_OPENING = frozenset("([{„‚«\"'")  # nor after these
_MIN_PART = (
    2.5  # letters per part on average: below, the line is letter-spaced ("G e s p e r r t"), not words
)
_ADDRESS = re.compile(r"://|www\.|@|\.(?:de|org|com|net|pdf|html?)\b")  # addresses hold no spaces
_REPLACE_CHARS = 6  # shorter runs are left alone (a short string may be part of other words)


def respace(page: pymupdf.Page, markdown: str) -> str:
    """`markdown` of `page` with the words that the page draws apart but MuPDF read as one run spaced."""
    if not _SUSPECT.search(markdown):
        return markdown
    fixes = _spaced_words(page)
    for word, spaced in sorted(fixes.items(), key=lambda kv: -len(kv[0])):
        markdown = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", spaced.replace("\\", "\\\\"), markdown)
    return markdown


def _spaced_words(page: pymupdf.Page) -> dict[str, str]:
    """MuPDF word -> the same word with spaces at its wide gaps, for the words of horizontal lines that have
    such gaps."""
    fixes: dict[str, str] = {}
    raw = page.get_text("rawdict", flags=pymupdf.TEXT_PRESERVE_WHITESPACE)
    for block in raw.get("blocks", []):
        for line in block.get("lines", []):
            direction = line.get("dir", (1.0, 0.0))
            if abs(direction[0] - 1.0) > 1e-3 or abs(direction[1]) > 1e-3:
                continue  # rotated text: x positions do not order its characters
            word: list[tuple[str, float, float, float]] = []  # (char, x0, x1, font size)
            for span in line.get("spans", []):
                for char in span.get("chars", []):
                    c = char["c"]
                    if c.isspace():
                        _add(fixes, word)
                        word = []
                    else:
                        word.append((c, char["bbox"][0], char["bbox"][2], span["size"]))
            _add(fixes, word)
    return fixes


def _add(fixes: dict[str, str], word: list[tuple[str, float, float, float]]) -> None:
    if len(word) < _REPLACE_CHARS:
        return
    parts: list[str] = [word[0][0]]
    for (before, _, x1, size), (c, x0, _, _) in zip(word, word[1:], strict=False):
        if x0 - x1 > _GAP * size and c not in _CLOSING and before not in _OPENING:
            parts.append(c)
        else:
            parts[-1] += c
    joined = "".join(parts)
    if len(parts) < 2 or len(word) / len(parts) < _MIN_PART or _ADDRESS.search(joined):
        return
    fixes[joined] = " ".join(parts)
