"""German abbreviations after which a full stop does not end the sentence ("PeP et al. e. V.", "ab Jan. 2024",
"Tel. 0231 ...", "Hauptstr. 5"), from the lists SoMaJo (a maintained tokenizer and sentence splitter for German
web text, GPL-3.0-or-later) ships in its wheel, not a hand list."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

# What the resource lacks and statutes use: "Art. 3 Abs. 1 GG" (an article of a law)
_EXTRA = frozenset({"Art."})
# one letter or a run of single letters with dots: initials, "z. B.", "e.V.", "u. a."
_LETTERS = re.compile(r"(?:^|[\s(\"'„*_])(?:[^\W\d_]\.\s?)*[^\W\d_]\.$")
_OPENING = "([{\"'„“‚‘*_"


def _entries(name: str) -> frozenset[str]:
    text = (resources.files("somajo") / "data" / name).read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


@cache
def _lists() -> tuple[frozenset[str], frozenset[str]]:
    """(abbreviations, those that often end a sentence: "usw.", "etc.")."""
    abbreviations = _entries("abbreviations_de.txt") | _entries("single_token_abbreviations_de.txt") | _EXTRA
    return abbreviations, _entries("eos_abbreviations.txt")


def ends_with_abbreviation(piece: str, following: str = "") -> bool:
    """`piece` (text up to a full stop that a sentence split found) ends in an abbreviation, so the stop does
    not end the sentence. An abbreviation that often ends a sentence ("usw.") ends it unless a lower case
    word or a number follows."""
    if not piece.endswith("."):
        return False
    if _LETTERS.search(piece):
        return True
    word = piece.rsplit(None, 1)[-1].lstrip(_OPENING)
    abbreviations, final = _lists()
    if word not in abbreviations:
        word = word.rsplit("-", 1)[-1]  # "Otto-Hahn-Str.", "Landes-Nr."
        if word not in abbreviations:
            return False
    # before a capital, a dash or a bracket: a new sentence, a list item ("usw.\n- (2) Die Amtszeit ...")
    return word not in final or following[:1].islower() or following[:1].isdigit()
