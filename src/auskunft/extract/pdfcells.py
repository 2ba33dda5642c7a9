"""Words a PDF table cut at its column borders, joined again.

pymupdf4llm finds a table's columns from its ruling and text positions; a row whose text runs across the
columns (a section heading "Badminton" over the timetable, a note under it, a header that spans two columns)
is then cut where the columns are, in the middle of words:

    |**Badmi**|**nton**|||**BAD**|
    |Teilnahm|e an allen FuGE - A|ngeboten für N|ichtmitglieder mit Kurskarten möglich||
    |Rang|Schütze|Jahrg|ang|Verein / Wohnort|Punkte|

(tsv-zorneding's timetable, sportschuetzen-teufenthal's rankings: 100 of the corpus's 12,117 PDF table rows, in
38 documents). "Badmi" and "nton" are no words, so neither is found by a search for "Badminton", and a quote
shows them cut.

A border cuts a word when the left cell ends in letters and the next non-empty cell goes on with a lower-case
letter, the two pieces together make a word German knows (wordfreq; or a compound of known words, HanTa) and
not both pieces are words on their own ("SH" | "ab 6 J.", "in" | "dem" stay) unless the joined word is commoner
than either ("Teilnahm" | "e": a lone letter is no word). The continuation moves into the left cell;
the cells keep their number, so the row still lines up with its header:

    |**Badminton**||||**BAD**|
    |Teilnahme|an allen FuGE - Angeboten|für Nichtmitglieder|mit Kurskarten möglich||
    |Rang|Schütze|Jahrgang||Verein / Wohnort|Punkte|

Without the German lexicon (not installed) rows stay as they are.
"""

from __future__ import annotations

import functools
import re
from types import ModuleType

_TAIL = re.compile(r"[A-Za-zÄÖÜäöüß]+$")
# the piece that goes on: lower-case letters up to a space or the cell's end (not an abbreviation: "s.u.")
_HEAD = re.compile(r"^([a-zäöüß][A-Za-zÄÖÜäöüß]*)(?=\s|$|[,;:!?)])")
_BOLD = re.compile(r"^(\*\*|__)(.*)\1$", re.S)
WORD_ZIPF = 2.5  # both pieces at least this common: two words, not one cut
JOINED_ZIPF = 1.0  # the joined piece at least this common: a word
PART_ZIPF = 2.0  # or a compound of parts at least this common


@functools.cache
def _lexicon() -> ModuleType | None:
    """`auskunft.text.german_lexicon`, or None without its word lists (as `cleanup._lexicon`): no repair."""
    try:
        import wordfreq  # noqa: F401  (german_lexicon.zipf imports it on use)

        from auskunft.text import german_lexicon
    except ImportError:
        return None
    return german_lexicon


def _one_word(left: str, right: str) -> bool:
    lex = _lexicon()
    if lex is None:
        return False
    joined = left + right
    if len(joined) < 4:
        return False
    common = lex.zipf(joined.lower())
    pieces = [lex.zipf(p.lower()) if len(p) > 1 else 0.0 for p in (left, right)]  # a lone letter is no word
    if min(pieces) >= WORD_ZIPF and common <= max(pieces):
        return False  # two words ("SH" | "ab", "in" | "dem"), unless together they are the commoner word
    if len(left) == 1 and pieces[1] >= WORD_ZIPF:
        return False  # an initial before a word ("g" | "in deiner"), not a cut "A" | "ngeboten"
    if common >= JOINED_ZIPF:
        return True
    parts = lex.split_compound(joined)
    return len(parts) > 1 and all(lex.zipf(p) >= PART_ZIPF for p in parts)


def _unwrap(cell: str) -> tuple[str, str]:
    """(the cell's text, its bold marker or "")."""
    text = cell.strip()
    m = _BOLD.match(text)
    return (m.group(2).strip(), m.group(1)) if m else (text, "")


def _wrap(text: str, bold: str) -> str:
    return f"{bold}{text}{bold}" if text and bold else text


def join_cut_words(row: str) -> str:
    """A markdown table row with the words its column borders cut joined again (the row unchanged if none)."""
    line = row.strip()
    if not (line.startswith("|") and line.endswith("|")) or line.count("|") < 3:
        return row
    cells = [_unwrap(c) for c in line[1:-1].split("|")]
    texts = [t for t, _ in cells]
    changed = False
    for i in range(len(texts) - 1):
        tail = _TAIL.search(texts[i])
        if tail is None:
            continue
        j = next((k for k in range(i + 1, len(texts)) if texts[k]), None)
        if j is None:
            break
        head = _HEAD.match(texts[j])
        if head is None or not _one_word(tail.group(0), head.group(1)):
            continue
        texts[i] += head.group(1)
        texts[j] = texts[j][head.end() :].strip()
        changed = True
    if not changed:
        return row
    return "|" + "|".join(_wrap(t, b) for t, (_, b) in zip(texts, cells, strict=True)) + "|"


def join_cut_table_words(markdown: str) -> str:
    """Every table row of a page's markdown through `join_cut_words`."""
    if "|" not in markdown:
        return markdown
    return "\n".join(join_cut_words(ln) if ln.startswith("|") else ln for ln in markdown.split("\n"))
