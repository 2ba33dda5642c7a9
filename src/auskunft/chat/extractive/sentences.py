"""Candidate sentences of a passage: sentence split that keeps abbreviations, table rows with their column
names, markdown and links flattened, and text addressed to an AI model (prompt injection) left out."""

from __future__ import annotations

import re

from auskunft.text.cache import Lru

_SENT = re.compile(r"(?<=[^\d\s§][.!?])\s+|\n+")  # not after ordinals like "31. März"
# abbreviations after which a full stop does not end the sentence ("Dr. Hanna Vogt", "z. B. der")
_ABBREV = re.compile(
    r"(?:^|\s)(?:dr|prof|dipl|ing|hr|fr|st|nr|abs|art|bzw|ca|vgl|ggf|inkl|evtl|mr|mrs|ms|vs|[a-z]|[a-z]\.\s?[a-z])\.$",
    re.IGNORECASE,
)
_MD = re.compile(r"^[#>\-*|\s]+|[*_`]+")


_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_SOFT_BREAK = re.compile(r"(?<![.!?:|\s])\s*\n\s*(?=[a-zäöüß0-9(])")  # OCR/PDF line wraps inside sentences


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


def _split(text: str) -> tuple[tuple[str, bool], ...]:
    items: list[tuple[str, bool]] = []
    text = _SOFT_BREAK.sub(" ", _LINK.sub(r"\1", text))
    pieces: list[str] = []
    for piece in _SENT.split(text):
        if pieces and _ABBREV.search(pieces[-1]):
            pieces[-1] += " " + piece
        else:
            pieces.append(piece)
    header: list[str] = []
    for i, piece in enumerate(pieces):
        row = _cells(piece)
        if row is None:
            header = []
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
            items.append((s, row is not None))
    return tuple(
        (s, row) for s, row in _merge_fragments(items) if 15 <= len(s) <= 600 and not s.endswith("?")
    )


def _is_fragment(s: str) -> bool:
    """A list item, name or heading line: short and without a sentence's final punctuation."""
    return len(s) < _FRAGMENT_CHARS and not s.endswith((".", "!", "?", ":"))


def _merge_fragments(items: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """Runs of short lines (a list of names, opening hours, loan conditions) become one candidate, led by
    the line that introduces them when it ends in ":" or "?" ("Welche Konditionen gelten ...? Kreditbetrag:
    ab 500 EUR; Zinsen: keine; ..."), so that the answer quotes the list with what it is about. A question
    in the text is never a candidate by itself (it asks, it does not answer)."""
    out: list[tuple[str, bool]] = []
    i = 0
    while i < len(items):
        text, row = items[i]
        lead = text if not row and text.endswith((":", "?")) else None
        start = i + 1 if lead is not None else i
        j = start
        while j < len(items) and not items[j][1] and _is_fragment(items[j][0]):
            j += 1
        run = [t for t, _ in items[start:j]]
        if len(run) >= 2 or (lead is not None and run):
            prefix = f"{lead} " if lead is not None else ""
            parts: list[str] = []
            for t in run:  # long lists: several candidates of at most _MERGED_CHARS, each with the lead
                if parts and len(prefix) + len("; ".join([*parts, t])) > _MERGED_CHARS:
                    out.append((prefix + "; ".join(parts), False))
                    parts = []
                parts.append(t)
            out.append((prefix + "; ".join(parts), False))
            i = j
        else:
            out.append((text, row))
            i += 1
    return out
