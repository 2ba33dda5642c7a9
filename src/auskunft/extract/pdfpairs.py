"""Two-column label/value lists in PDFs ("Vorsitzender    Max Muster") kept together as row text.

A board list set as two columns without ruling lines is read by pymupdf4llm's layout analysis column by
column: "Vorsitzender Stellv. Vorsitzende Kassierer" and, a paragraph later, "Max Muster Erika Beispiel
Hans Geld"; no passage then says who holds which office. The page's own geometry tells the rows: text
segments on one baseline, a wide gap between them, the label column and the value column each starting
at one x position for two rows or more. Where the layout text holds such a run as two separate column
runs, or row by row but run together into one line ("Vorsitzender Max Muster Stellv. Vorsitzende Erika
Beispiel ..."), it is replaced by "Vorsitzender: Max Muster" lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

GAP_PT = 18.0  # horizontal space between label and value segments
ALIGN_PT = 4.0  # the columns' left edges agree within this
SAME_ROW_PT = 3.0
LABEL_CHARS = 40
VALUE_CHARS = 120


@dataclass
class _Seg:
    x0: float
    x1: float
    y: float
    text: str


def _segments(page: Any) -> list[_Seg]:
    """Text segments: spans of one line joined while the gap between them is small."""
    segs: list[_Seg] = []
    for block in page.get_text("dict").get("blocks", []):
        for line in block.get("lines", []):
            cur: _Seg | None = None
            for span in line.get("spans", []):
                text = span.get("text", "")
                if not text.strip():
                    continue
                x0, y0, x1, y1 = span["bbox"]
                if cur is not None and x0 - cur.x1 < GAP_PT:
                    cur.text += text
                    cur.x1 = x1
                else:
                    cur = _Seg(x0, x1, (y0 + y1) / 2, text)
                    segs.append(cur)
    return segs


def _rows(segs: list[_Seg]) -> list[list[_Seg]]:
    rows: list[list[_Seg]] = []
    for seg in sorted(segs, key=lambda s: (s.y, s.x0)):
        if rows and abs(rows[-1][0].y - seg.y) <= SAME_ROW_PT:
            rows[-1].append(seg)
        else:
            rows.append([seg])
    return [sorted(r, key=lambda s: s.x0) for r in rows]


def label_value_runs(page: Any) -> list[list[tuple[str, str]]]:
    """Runs of two or more rows of exactly two aligned segments (label, value) on a page."""
    runs: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    edges: tuple[float, float] | None = None
    for row in _rows(_segments(page)):
        pair = None
        if len(row) == 2 and row[1].x0 - row[0].x1 >= GAP_PT:
            label, value = (" ".join(s.text.split()) for s in row)
            if 0 < len(label) <= LABEL_CHARS and 0 < len(value) <= VALUE_CHARS:
                pair = (label, value)
        if pair and edges and abs(row[0].x0 - edges[0]) <= ALIGN_PT and abs(row[1].x0 - edges[1]) <= ALIGN_PT:
            current.append(pair)
            continue
        if len(current) >= 2:
            runs.append(current)
        current, edges = ([pair], (row[0].x0, row[1].x0)) if pair else ([], None)
    if len(current) >= 2:
        runs.append(current)
    return runs


def _run_pattern(items: list[str]) -> str:
    return r"\s+".join(r"(?:\*\*|_)?" + re.escape(x) + r"(?:\*\*|_)?" for x in items)


def pair_columns(page: Any, md: str) -> str:
    """The page's markdown with label/value columns that were read apart joined row by row."""
    for run in label_value_runs(page):
        rows = "\n".join(f"{a} {b}" if a.endswith(":") else f"{a}: {b}" for a, b in run)
        inline = re.search(_run_pattern([x for pair in run for x in pair]), md)
        if inline is not None:  # read row by row, but run together into one line
            md = md[: inline.start()] + f"\n\n{rows}\n\n" + md[inline.end() :]
            continue
        labels = re.search(_run_pattern([label for label, _ in run]), md)
        values = re.search(_run_pattern([value for _, value in run]), md)
        if labels is None or values is None or values.start() < labels.end():
            continue  # not found as two column runs: left as it is
        md = md[: labels.start()] + f"\n\n{rows}\n\n" + md[labels.end() : values.start()] + md[values.end() :]
    return re.sub(r"\n{3,}", "\n\n", md).strip()
