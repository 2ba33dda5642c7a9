"""An HTML page's main element -> markdown that reads back as text (links, label/value rows, escapes).

markdownify's defaults leave defects in the text that is indexed and quoted:

- a link around block content (a teaser card `<a><h3>…</h3><p>… Stellung.</p></a>`) becomes
  "[### …\\n\\n… Stellung.](https://…)", which the chunker cuts into blocks: "… Stellung.](https://…)" is
  quoted. Such links keep their text only; link texts with brackets and URLs with parentheses or spaces
  are written so that the link syntax parses back.
- label/value pairs come apart: a table without header cells gets its first row promoted to a header
  ("Kassierer – Max Muster: Hans Geld"), `<dl>` becomes "Schriftführer\\n:   Paul Feder", and a grid of
  `<div><div>Vorsitzender</div><div>Max Muster</div></div>` rows becomes separate paragraphs. All three
  become "Vorsitzender: Max Muster" lines.
- "_" and "*" in text are escaped ("Datei\\_name"); text is kept as written instead.

The text rules of `cleanup.clean_markdown` run on the result.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag
from markdownify import MarkdownConverter

from auskunft.extract.cleanup import clean_markdown

LABEL_CHARS = 40  # a label ("Stellvertretende Vorsitzende") is short
VALUE_CHARS = 120
_BLOCKS = ["p", "div", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6", "dl", "section", "article"]


# an alt text that describes nothing: a script's unset value, a placeholder word, the image's file name
_EMPTY_ALT = re.compile(
    r"(?i)\s*(?:undefined|null|none|nan|false|image|img|bild|foto|photo|picture|grafik|icon|platzhalter|placeholder"
    r"|[\w\-. ]+\.(?:jpe?g|png|gif|webp|svg|bmp|tiff?|avif)|(?:img|dsc|dscn|pxl|image)[_\- ]?\d+)\s*"
)


class Converter(MarkdownConverter):
    def convert_img(self, el, text, parent_tags):  # type: ignore[no-untyped-def]
        alt = " ".join(str(el.get("alt") or "").split())
        return f"[Bild: {alt}]" if alt and not _EMPTY_ALT.fullmatch(alt) else ""

    def convert_video(self, el, text, parent_tags):  # type: ignore[no-untyped-def]
        return text.strip()  # the fallback text, if any; not "[\n\n](video.mp4)"

    def convert_a(self, el, text, parent_tags):  # type: ignore[no-untyped-def]
        if "\n" in text.strip():  # block content inside the link: its text, without link syntax
            return f"\n\n{text.strip()}\n\n"
        href = el.get("href")
        if isinstance(href, str) and re.search(r"[()\s]", href):  # "(", ")" and spaces would end the link
            href = re.sub(r"[\t\n\r]", "", href.strip())  # browsers drop these from URLs
            el["href"] = href.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
        text = text.replace("[", "(").replace("]", ")")
        return super().convert_a(el, text, parent_tags)


def _text(el: Tag) -> str:
    return " ".join(el.get_text(" ").split())


def _pair(label: str, value: str) -> str:
    return f"{label} {value}" if label.endswith(":") else f"{label}: {value}"


def _as_list(soup: BeautifulSoup, el: Tag, lines: list[str]) -> None:
    ul = soup.new_tag("ul")
    for line in lines:
        li = soup.new_tag("li")
        li.string = line
        ul.append(li)
    el.replace_with(ul)


def _key_value_table(table: Tag) -> list[str] | None:
    """Rows of a two-column table without a header row as 'label: value' lines; None for other tables."""
    if table.find(["thead", "caption", "table"]) is not None:
        return None
    rows = table.find_all("tr")
    lines = []
    for row in rows:
        cells = row.find_all(["td", "th"], recursive=False)
        if len(cells) != 2:
            return None
        label, value = _text(cells[0]), _text(cells[1])
        if cells[1].name == "th" or len(label) > LABEL_CHARS:
            return None
        if label or value:
            lines.append(_pair(label, value) if label and value else label or value)
    return lines or None


def _row_shape(el: Tag) -> tuple[str, str, int] | None:
    """(tag, class, 2) of an element that is one label/value row: two short leaf children, no own text."""
    kids = [c for c in el.children if isinstance(c, Tag)]
    own_text = "".join(str(c) for c in el.children if not isinstance(c, Tag)).strip()
    if len(kids) != 2 or own_text or el.name in ("tr", "ul", "ol", "dl", "table", "a", "p"):
        return None
    if any(k.find(_BLOCKS) is not None or k.name in ("ul", "ol", "table", "img") for k in kids):
        return None
    label, value = _text(kids[0]), _text(kids[1])
    if not (0 < len(label) <= LABEL_CHARS and 0 < len(value) <= VALUE_CHARS) or label.endswith(
        (".", "!", "?")
    ):
        return None
    return el.name, " ".join(el.get("class") or []), 2


def pair_labels(soup: BeautifulSoup, main: Tag | BeautifulSoup) -> None:
    """Key/value tables, <dl> lists and grids of label/value rows become lists of 'label: value' lines."""
    for dl in main.find_all("dl"):
        lines, label = [], ""
        for child in dl.find_all(["dt", "dd"]):
            if child.name == "dt":
                label = _text(child)
            elif label:
                lines.append(_pair(label, _text(child)))
        if lines:
            _as_list(soup, dl, lines)
    for table in main.find_all("table"):
        kv = _key_value_table(table)
        if kv:
            _as_list(soup, table, kv)
    for parent in main.find_all(True):
        rows = [c for c in parent.children if isinstance(c, Tag)]
        shapes = [_row_shape(c) for c in rows]
        if len(rows) < 2 or any(s is None for s in shapes) or len(set(shapes)) != 1:
            continue  # two sibling rows of one shape at least, and nothing else beside them
        for row in rows:
            label, value = (_text(k) for k in row.children if isinstance(k, Tag))
            row.clear()
            row.append(_pair(label, value))


def to_markdown(soup: BeautifulSoup, main: Tag | BeautifulSoup) -> str:
    """Markdown of the main element (changed in place: label/value rows paired), cleaned."""
    pair_labels(soup, main)
    md = Converter(
        heading_style="ATX", bullets="-", strip=["span"], escape_underscores=False, escape_asterisks=False
    ).convert_soup(main)
    return clean_markdown(re.sub(r"\n{3,}", "\n\n", md).strip())
