"""How good is a PDF page's text layer? Decides OCR per page and finds strike-through artefacts.

OCR is decided from the text the page yields, not from whether it holds an image: text drawn as vector
outlines (no font, no image) yields nothing, a font without a Unicode map yields replacement or shifted
characters, and a scan with a typed header yields a few characters on a page full of ink. A page is OCR'd
when its text is too little for the ink on it, or when the text does not look like words.

MuPDF marks characters as struck out when a vector line crosses their middle. On pages whose glyphs are
drawn as outlines under an invisible text layer (OCR'd vector art, some "print to PDF" drivers), the outline
paths cross parts of words, and pymupdf4llm writes `~~` marks inside words ("z ~~ä~~ hlte"). A real
strike-through covers whole words; strike marks that start or end inside a word are artefacts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pymupdf

MIN_TEXT_CHARS = 20  # fewer non-space characters on a page with ink: OCR
INK_DPI = 30  # resolution of the ink check (a 248 x 351 pixel render of an A4 page, a few ms)
INK_MIN = 0.002  # share of dark pixels above which a page is not blank
UNEXPLAINED_INK = 0.02  # share of the page with ink outside the text boxes (a scan under a typed header)
MIN_LETTER_RATIO = 0.45  # letters among non-space characters
MIN_WORDLIKE = 0.5  # share of tokens that look like words
MAX_BAD_RATIO = 0.05  # replacement, private-use and control characters
MIN_ARTEFACT_WORDS = 2  # words with a strike mark inside them before a page counts as artefacted

_FLAGS = (pymupdf.TEXTFLAGS_DICT & ~pymupdf.TEXT_PRESERVE_IMAGES) | pymupdf.TEXT_COLLECT_STYLES
_STRIKE = pymupdf.mupdf.FZ_STEXT_STRIKEOUT
_VOWELS = set("aeiouyäöüàáâèéêìíîòóôùúûAEIOUYÄÖÜ")
_TOKEN = re.compile(r"\S+")


@dataclass
class PageCheck:
    chars: int  # non-space characters in the text layer
    letter_ratio: float
    wordlike: float
    bad_ratio: float
    text_area: float  # share of the page covered by text lines
    strike_artefacts: int  # words with a strike mark starting or ending inside them
    needs_ocr: bool = False
    reason: str = ""


def _bad(ch: str) -> bool:
    o = ord(ch)
    return ch == "\ufffd" or 0xE000 <= o <= 0xF8FF or (o < 32 and ch not in "\t\n\r")


def wordlike_share(text: str) -> float:
    """Share of tokens with letters that look like words (letters, a vowel, sane length); 1.0 for no tokens."""
    tokens = [t.strip(".,;:!?()[]\"'»«„“”-–") for t in _TOKEN.findall(text)]
    tokens = [t for t in tokens if any(c.isalpha() for c in t)]
    if not tokens:
        return 1.0
    good = 0
    for t in tokens:
        letters = sum(c.isalpha() for c in t)
        if letters >= 0.7 * len(t) and len(t) <= 30 and (len(t) <= 3 or any(c in _VOWELS for c in t)):
            good += 1
    return good / len(tokens)


def text_stats(text: str) -> tuple[int, float, float, float]:
    """(non-space chars, letter ratio, word-likeness, bad-char ratio) of a text."""
    chars = [c for c in text if not c.isspace()]
    n = len(chars)
    if not n:
        return 0, 0.0, 0.0, 0.0
    letters = sum(c.isalpha() for c in chars)
    bad = sum(_bad(c) for c in chars)
    return n, letters / n, wordlike_share(text), bad / n


def _ink(page: pymupdf.Page, mask: list[pymupdf.Rect]) -> tuple[float, float]:
    """(share of dark pixels, share of dark pixels outside `mask`) of a low-resolution render."""
    pix = page.get_pixmap(dpi=INK_DPI, colorspace=pymupdf.csGRAY, annots=False)
    samples = pix.samples
    total = len(samples) or 1
    dark = len(samples) - len(samples.translate(None, bytes(range(160))))
    if not mask or not dark:
        return dark / total, dark / total
    scale = INK_DPI / 72
    buf = bytearray(samples)
    w, h = pix.width, pix.height
    for r in mask:
        x0, x1 = max(0, int(r.x0 * scale) - 1), min(w, int(r.x1 * scale) + 2)
        y0, y1 = max(0, int(r.y0 * scale) - 1), min(h, int(r.y1 * scale) + 2)
        if x1 <= x0:
            continue
        white = b"\xff" * (x1 - x0)
        for y in range(y0, y1):
            buf[y * w + x0 : y * w + x1] = white
    rest = bytes(buf)
    outside = len(rest) - len(rest.translate(None, bytes(range(160))))
    return dark / total, outside / total


def _strike_artefacts(lines: list[list[tuple[str, bool]]]) -> int:
    """Words whose strike-through starts or ends inside the word (a line = [(span text, struck)])."""
    count = 0
    for spans in lines:
        flags = [struck for text, struck in spans for _ in text]
        text = "".join(t for t, _ in spans)
        if not any(flags):
            continue
        for m in _TOKEN.finditer(text):
            marks = flags[m.start() : m.end()]
            if any(marks) and not all(marks):
                count += 1
    return count


def check_page(page: pymupdf.Page) -> PageCheck:
    """Quality of the page's text layer; `needs_ocr` says whether OCR should replace it."""
    data = page.get_text("dict", flags=_FLAGS)
    parts: list[str] = []
    lines: list[list[tuple[str, bool]]] = []
    boxes: list[pymupdf.Rect] = []
    for block in data.get("blocks", []):
        for line in block.get("lines", []):
            spans = [(s["text"], bool(s.get("char_flags", 0) & _STRIKE)) for s in line["spans"]]
            lines.append(spans)
            parts.append("".join(t for t, _ in spans))
            boxes.append(pymupdf.Rect(line["bbox"]))
    text = "\n".join(parts)
    n, letter_ratio, wordlike, bad_ratio = text_stats(text)
    area = abs(page.rect) or 1.0
    text_area = min(1.0, sum(abs(b) for b in boxes) / area)
    check = PageCheck(n, letter_ratio, wordlike, bad_ratio, text_area, _strike_artefacts(lines))
    if n < MIN_TEXT_CHARS:
        ink, _ = _ink(page, [])
        if ink >= INK_MIN:
            check.needs_ocr, check.reason = True, f"{n} characters on a page with ink"
        return check
    if bad_ratio > MAX_BAD_RATIO or letter_ratio < MIN_LETTER_RATIO or wordlike < MIN_WORDLIKE:
        check.needs_ocr = True
        check.reason = (
            f"garbled text layer (letters {letter_ratio:.2f}, words {wordlike:.2f}, bad {bad_ratio:.2f})"
        )
        return check
    if n < 400 and text_area < 0.1:  # a little text: is the rest of the page ink (a scan under a header)?
        _, outside = _ink(page, boxes)
        if outside >= UNEXPLAINED_INK:
            check.needs_ocr, check.reason = (
                True,
                f"{n} characters, ink elsewhere on {outside:.1%} of the page",
            )
    return check


def has_strike_artefacts(check: PageCheck) -> bool:
    return check.strike_artefacts >= MIN_ARTEFACT_WORDS


def remove_line_art(page: pymupdf.Page) -> None:
    """Delete the page's vector graphics, keeping text and images (so no path reads as a strike line)."""
    page.add_redact_annot(page.rect)
    page.apply_redactions(
        images=pymupdf.PDF_REDACT_IMAGE_NONE,  # type: ignore[attr-defined]
        graphics=pymupdf.PDF_REDACT_LINE_ART_REMOVE_IF_TOUCHED,  # type: ignore[attr-defined]
        text=pymupdf.PDF_REDACT_TEXT_NONE,  # type: ignore[attr-defined]
    )


def ocr_is_better(layer_text: str, ocr_text: str) -> bool:
    """Keep OCR only when it reads more word-like characters than the text layer did."""
    n1, _, w1, b1 = text_stats(layer_text)
    n2, _, w2, b2 = text_stats(ocr_text)
    return n2 * w2 * (1 - b2) > n1 * w1 * (1 - b1)
