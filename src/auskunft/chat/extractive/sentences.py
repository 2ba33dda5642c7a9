"""Candidate sentences of a passage: sentence split that keeps abbreviations, table rows with their column
names, markdown and links flattened, and text addressed to an AI model (prompt injection) left out."""

from __future__ import annotations

import re

from auskunft.text.abbreviations import ends_with_abbreviation
from auskunft.text.cache import Lru

_SENT = re.compile(r"((?<=[^\d\s§][.!?])\s+|\n+)")  # not after ordinals like "31. März"; keeps the breaks
_MD = re.compile(r"^[#>\-*|\s]+|[*_`]+")


_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_BULLET = re.compile(r"\s*[-*•+]\s")  # a markdown list item
_NUMBERED = re.compile(r"\s*(\d{1,3})[.)]\s")  # "1. Spielordnung", "2) ..." (or a wrapped "24. bis 26. Mai")
_BLOCK = re.compile(r"\s*[#|>]")  # a heading, a table row, a quote
_CONTINUES = re.compile(r"\s*[a-zäöüß0-9(]")  # a line that can only go on a sentence
_WRAP_CHARS = 50  # a line this long that stops mid-sentence was wrapped (shorter: a heading or a name)

# The split of a passage into candidate sentences changes with this number: a store of precomputed sentence
# vectors (auskunft.chat.extractive.semantic) made by another split is brought up to date by the next run.
SPLIT_VERSION = 3


# Text addressed to an AI model rather than to readers (prompt injection planted in a page): never quoted
_INSTRUCTION = re.compile(
    r"\b(ignor\w*|vergiss|missachte|disregard|forget)\b.{0,40}\b(anweisung\w*|instruktion\w*|instruction\w*|"
    r"regeln|rules|prompt\w*)\b|\b(du bist (jetzt|nun|ab sofort)|you are now|act as|verhalte dich als)\b|"
    r"\b(system ?prompt|systemnachricht|system message|jailbreak)\b|\b(antworte|respond|reply|answer)\b.{0,30}"
    r"\b(nur noch|ab jetzt|only with|from now on)\b|</?\s*(sources?|system|instructions?)\b",
    re.IGNORECASE,
)


_FRAGMENT_CHARS = 60  # shorter lines without final punctuation are list items, names or headings
_MERGED_CHARS = 400
_QUOTE_CHARS = 600  # longer candidates are not quoted


def looks_like_instruction(sentence: str) -> bool:
    return bool(_INSTRUCTION.search(sentence))


def _cells(line: str) -> list[str] | None:
    """The cells of a markdown table line, None for other text."""
    line = line.strip()
    if not line.startswith("|") or line.count("|") < 2:
        return None
    return [c.strip() for c in line.strip("|").split("|")]


def _is_separator(cells: list[str]) -> bool:
    return all(c and set(c) <= set("-: ") for c in cells)


PASSAGE_CACHE = 4096  # passages whose split `sentences` keeps (a few kB each); 0 keeps none
SPLITS: Lru[str, tuple[tuple[str, bool], ...]] = Lru(PASSAGE_CACHE)


def sentences(text: str) -> list[tuple[str, bool]]:
    """(sentence, is a table row) in reading order; instruction-like sentences and questions are left out,
    runs of short lines are merged (`_merge_fragments`). A pure function of `text`, kept in a bounded LRU
    (the same passages are retrieved question after question); a new list each call."""
    return list(SPLITS.get(text, _split))


def _starts_item(line: str, previous: str) -> bool:
    """`line` begins a list item: a bullet, or a number after a numbered line or a short one (a heading: "Protest
    und Einspruch\n1. Proteste ..."); a number after a long line is a wrapped ordinal ("... vom\n24. bis zum
    26. November")."""
    if _BULLET.match(line):
        return True
    return bool(_NUMBERED.match(line) and (_NUMBERED.match(previous) or len(previous.strip()) < _WRAP_CHARS))


def _number(piece: str) -> int | None:
    m = _NUMBERED.match(piece)
    return int(m.group(1)) if m else None


def _in_numbered_list(numbers: list[int | None], i: int, reach: int = 8) -> bool:
    """Piece `i` (its number `numbers[i]`) is an item of a numbered list: a piece near it carries the number
    before or after its own (one numbered line alone may be a wrapped ordinal; sub-items may stand between two
    numbers)."""
    n = numbers[i]
    if n is None:
        return False
    near = numbers[max(0, i - reach) : i] + numbers[i + 1 : i + 1 + reach]
    return n - 1 in near or n + 1 in near


def _wrapped(previous: str, line: str) -> bool:
    """The line break between `previous` and `line` wraps one sentence (a PDF's or a hard-wrapped page's
    line end), not one block ending and another beginning."""
    last = previous.rstrip()
    if not last or not line.strip() or last.endswith((".", "!", "?", ":", "|")) or _BLOCK.match(previous):
        return False
    if _BLOCK.match(line) or _starts_item(line, previous):
        return False
    if _CONTINUES.match(line):  # "... zu den\nkommunalen ...", "... vom\n24. Mai"
        return True
    # before a capital (German nouns): after a comma, or after a long line that stops mid-sentence ("Die DTFL
    # behält sich vor,\nMannschaftsnamen ...", "... Veranstaltungen der\nAbteilung ..."); a short line without
    # final punctuation is a heading, a name or a list line and stays apart
    return (
        last.endswith(",")
        or (len(last) >= _WRAP_CHARS and last[-1].isalpha() and last[-1].islower())
        or _open_end(last)
    )


# Words no German sentence, title or label ends with: articles, prepositions that are no verb particle,
# conjunctions ("Informationen zur Bewerbung auf ein\nInitiativstipendium"); "das" and "ein" can end one
# ("Wir machen das", "Trag dich ein"), "ein" after a preposition cannot.
_OPEN_WORDS = frozenset(
    "der die den dem des eine einen einem einer eines zur zum vom beim ins im am für von und oder sowie".split()
)
_PREPOSITIONS = frozenset("auf für in an um über durch ohne gegen zu nach von bei aus mit".split())


def _open_end(line: str) -> bool:
    words = line.lower().split()[-2:]
    return bool(words) and (
        words[-1] in _OPEN_WORDS or (words[-1] == "ein" and len(words) == 2 and words[0] in _PREPOSITIONS)
    )


def unwrap(text: str) -> str:
    """Single line breaks that wrap a sentence become spaces; paragraphs, list items, headings and table
    rows keep their own lines."""
    lines = text.split("\n")
    out = lines[:1]
    for line in lines[1:]:
        if _wrapped(out[-1], line):
            out[-1] = out[-1].rstrip() + " " + line.strip()
        else:
            out.append(line)
    return "\n".join(out)


def _split(text: str) -> tuple[tuple[str, bool], ...]:
    # (text, kind): "text", "heading", "row" (a table row), "bullet" or "number" (a bulleted or numbered item)
    items: list[tuple[str, str]] = []
    text = unwrap(_LINK.sub(r"\1", text))
    pieces: list[str] = []
    parts = _SENT.split(text)  # piece, break, piece, ...
    for k in range(0, len(parts), 2):
        piece = parts[k]
        # "Dr. Hanna Vogt", "PeP et al. e. V."; after a line break a list item or a heading starts anew
        new_line = k > 0 and "\n" in parts[k - 1]
        if (
            pieces
            and ends_with_abbreviation(pieces[-1], piece)
            and not (new_line and (_BULLET.match(piece) or _BLOCK.match(piece)))
        ):
            pieces[-1] += " " + piece
        else:
            pieces.append(piece)
    numbers = [_number(p) for p in pieces]
    header: list[str] = []
    for i, piece in enumerate(pieces):
        row = _cells(piece)
        kind = "row" if row is not None else "text"
        if row is None:
            header = []
            if piece.lstrip().startswith("#"):
                kind = "heading"
            elif _BULLET.match(piece):
                kind = "bullet"
            elif _in_numbered_list(numbers, i):
                kind = "number"
            s = _MD.sub("", piece).strip()
        elif _is_separator(row):
            continue
        elif i + 1 < len(pieces) and _is_separator(_cells(pieces[i + 1]) or [""]):
            header = [
                _MD.sub("", c).strip() for c in row
            ]  # a table's head: named in the rows below instead of quoted alone
            continue
        else:
            # a table row: "Einzelmitglied – Jahresbeitrag: 48 Euro" under the head "Beitragsgruppe | Jahresbeitrag"
            cells = [_MD.sub("", c).strip() for c in row]
            named = header if len(header) == len(cells) else [""] * len(cells)
            s = " – ".join(
                f"{h}: {c}" if h and j else c for j, (h, c) in enumerate(zip(named, cells, strict=True)) if c
            )
        if s and not looks_like_instruction(s):
            items.append((s, kind))
    return tuple(
        (s, row) for s, row in _merge_fragments(items) if 15 <= len(s) <= _QUOTE_CHARS and not s.endswith("?")
    )


def _is_fragment(s: str) -> bool:
    """A list item, name or heading line: short and without a sentence's final punctuation."""
    return len(s) < _FRAGMENT_CHARS and not s.endswith((".", "!", "?", ":"))


_LIST_KINDS = frozenset({"bullet", "number"})


def _joined(parts: list[str]) -> str:
    """List lines as one text: "; " between them, a space after one that ends its own sentence."""
    return "".join(p + (" " if p.endswith((".", "!", "?", ";")) else "; ") for p in parts[:-1]) + parts[-1]


def _merge_fragments(items: list[tuple[str, str]]) -> list[tuple[str, bool]]:
    """Runs of short lines (a list of names, opening hours, loan conditions) become one candidate, led by
    the line that introduces them when it ends in ":" or "?" ("Welche Konditionen gelten ...? Kreditbetrag:
    ab 500 EUR; Zinsen: keine; ..."), so that the answer quotes the list with what it is about; after such a
    lead every item of the list that follows belongs to it, long ones too ("Die Ordnungen des DTFB sind: 1.
    Spielordnung (SPO); 2. ..."). A question in the text is never a candidate by itself (it asks, it does not
    answer)."""
    out: list[tuple[str, bool]] = []
    i = 0
    while i < len(items):
        text, kind = items[i]
        row = kind == "row"
        lead = text if not row and text.endswith((":", "?")) else None
        belongs: frozenset[str]
        ends: frozenset[str]
        if lead is None:  # a run of short lines
            start, belongs, ends = i, frozenset(), frozenset({"row"})
        else:
            # the list's items, long ones too, up to a heading; a lead that is itself a list item ("1. Ein
            # Mitglied ist ausgeschlossen, wenn:") takes the items of its sub-list, not its siblings ("2. ...")
            start, belongs, ends = (
                i + 1,
                _LIST_KINDS - {kind},
                frozenset({"row", "heading"}) | ({kind} & _LIST_KINDS),
            )
        j = start
        while j < len(items) and items[j][1] not in ends:
            if items[j][1] not in belongs and not _is_fragment(items[j][0]):
                break
            j += 1
        if (
            lead is not None
            and j == start
            and j < len(items)
            and items[j][1] not in ("row", "heading")
            # a sentence after a long lead stands on its own; a short lead is a label that needs its content
            and (len(lead) < _WRAP_CHARS or not items[j][0].endswith((".", "!", "?")))
            and len(lead) + len(items[j][0]) < _QUOTE_CHARS
        ):
            j += 1  # a lead is quoted with what it introduces, a long line too ("Du findest uns: Anna P2-01-423, ...")
        run = [t for t, _ in items[start:j]]
        if len(run) >= 2 or (lead is not None and run):
            prefix = f"{lead} " if lead is not None else ""
            parts: list[str] = []
            for t in run:  # long lists: several candidates of at most _MERGED_CHARS, each with the lead
                if parts and len(prefix) + len(_joined([*parts, t])) > _MERGED_CHARS:
                    out.append((prefix + _joined(parts), False))
                    parts = []
                parts.append(t)
            out.append((prefix + _joined(parts), False))
            i = j
        else:
            out.append((text, row))
            i += 1
    return out
