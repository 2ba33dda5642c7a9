"""German key terms: what a question asks for, and how far a passage holds it.

`key_terms(question)` gives the words a passage should contain to answer it (nouns, names, unknown words;
each weighted by how rare it is, everyday words weigh nothing); `TextTerms(passage).coverage(term)` says
how far a passage contains one (its lemma, its compound parts both ways, or an abbreviation of it:
"Gläubiger-ID" / "Gläubiger-Identifikationsnummer", "Mitgl.-Nr." / "Mitgliedsnummer").

Lemmas, frequencies, parts of speech and compound parts come from maintained language resources
(`auskunft.text.german_lexicon`: simplemma, wordfreq, HanTa; loaded by its `start()`, cached per word).
Here a text's tagged content words are cached per text, a word's look-up keys per word, and a sentence's or
passage's `TextTerms` in a bounded LRU (`text_terms`): the extractive answer analyses the same retrieved
sentences for every question (docs/benchmarks-serving.md "Sentence vectors at index time").
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from auskunft.text import german_lexicon
from auskunft.text.cache import Lru
from auskunft.text.german_lexicon import (
    analyse,
    fold,
    normalise,
    split_compound,
    tag_words,
    word_pieces,
    zipf,
)

COMMON_ZIPF = 5.0  # default: used 100 times per million words or more is everyday (the ~900 commonest forms)
# a word: letters first, then letters, digits, hyphens, inner full stops ("Mitgl.-Nr.", "z.B.")
WORD = re.compile(r"[^\W\d_](?:[\w-]|\.(?=-?[^\W\d_]))*\.?")
_CONTENT_POS = ("NN", "NE", "FM", "TRUNC", "XY")  # nouns, names, foreign words, truncations, unknown
_MIN_AFFIX_MATCH = 4  # a word part matched at a word's start or end needs this many letters


def is_common(word: str, common_zipf: float = COMMON_ZIPF) -> bool:
    """An everyday word of German (frequency at or above `common_zipf`), whatever its part of speech."""
    return zipf(word) >= common_zipf


@dataclass(frozen=True)
class Term:
    """A content word of a question: what a passage should contain to answer it."""

    text: str  # as written ("Gläubiger-ID")
    lemma: str  # lower-cased lemma ("gläubiger-id")
    parts: tuple[str, ...]  # compound parts, head last ("gläubiger", "id"); one part for a simple word
    pos: str  # HanTa's part of speech (NN noun, NE name, FM foreign, XY unknown)
    zipf: float  # how common the word is (wordfreq Zipf; 0 unknown)
    # how much it says: Zipf units below `common_zipf` (log10 of how much rarer than an everyday word it is,
    # an IDF-like weight): everyday words 0, "Verein" 0.5, "Präsidentin" 1.1, unknown words 5.0
    weight: float

    @property
    def head(self) -> str:
        return self.parts[-1]

    @property
    def abbreviated(self) -> bool:
        return _abbreviated_word(self.text) or self.text.endswith(".")


@lru_cache(maxsize=4096)
def key_terms(text: str, common_zipf: float = COMMON_ZIPF) -> tuple[Term, ...]:
    """The content terms of a question or short text: nouns, names, foreign and unknown words (HanTa's tags
    in the sentence's context, so a question typed in lower case finds its nouns too), each once, with its
    lemma, compound parts and a weight by rarity. Verbs, adverbs, question words and everyday words
    (Zipf >= `common_zipf`: "Programm", "Jahr") are no key terms, whatever a passage says."""
    out: list[Term] = []
    seen: set[str] = set()
    for word, pos, bare, lemma, frequency in _content_words(text):
        weight = max(0.0, common_zipf - frequency)
        if weight <= 0:
            continue
        if fold(lemma) in seen:
            continue
        seen.add(fold(lemma))
        out.append(Term(word, lemma, split_compound(bare), pos, frequency, weight))
    return tuple(out)


def _content_words(text: str) -> tuple[tuple[str, str, str, str, float], ...]:
    """(word, part of speech, bare form, lemma, Zipf) of each content word of `text`, in order: what
    `key_terms` weighs by its `common_zipf`, tagged once per sequence of words whichever cut a caller asks
    for (the tagger sees the words only: "Termine 2025?" and "Termine 2026?" are tagged once)."""
    return _content_words_of(tuple(WORD.findall(text)))


@lru_cache(maxsize=4096)
def _content_words_of(words: tuple[str, ...]) -> tuple[tuple[str, str, str, str, float], ...]:
    if not words:
        return ()
    tags = tag_words([w.rstrip(".") or w for w in words])
    out = []
    for word, tag in zip(words, tags, strict=True):
        pos = str(tag)
        if word[:1].islower() and pos.startswith("ADJ"):  # a lower-case noun read as an adjective
            capital_pos, _m = analyse(word[:1].upper() + word[1:])
            pos = capital_pos if capital_pos == "NN" else pos
        abbreviation = word.endswith(".") or _abbreviated_word(word)
        if not (pos.startswith(_CONTENT_POS) or abbreviation):
            continue
        bare = word.rstrip(".") if word.count(".") == 1 else word
        if len(bare) < 2:
            continue
        lemma = "-".join(normalise(p) for p in bare.split("-") if p) or bare.lower()
        out.append((word, pos, bare, lemma, zipf(bare)))
    return tuple(out)


# ------------------------------------------------------------------------------- abbreviations
@lru_cache(maxsize=200_000)
def _abbreviated_word(word: str) -> bool:
    """A piece of the word (split at hyphens and full stops) looks abbreviated."""
    return any(_looks_abbreviated(p) for p in word_pieces(word))


@lru_cache(maxsize=200_000)
def _looks_abbreviated(piece: str) -> bool:
    """An acronym (ID, MV, JHV) or a short piece with no vowel or 4 letters at most ("Nr", "Mitgl" is caught
    by its full stop instead)."""
    letters = piece.strip(".")
    if len(letters) < 2:
        return False
    if letters.isupper() and len(letters) <= 5:
        return True
    return len(letters) <= 3 and not re.search(r"[aeiouäöüy]", letters.lower())


def _abbreviates(short: str, long_: str, initials: list[str]) -> bool:
    """`short` (folded letters) abbreviates `long_` (folded, the joined parts whose initials are given):
    a prefix ("mitgl" / "mitglied", "id" / "identifikationsnummer"), the first letter and then letters of
    the word in order ending on its last letter ("nr" / "nummer", "kto" / "konto"), or the initials of the
    parts ("jhv" / jahres-haupt-versammlung)."""
    if len(short) < 2 or len(long_) < len(short) + 2 or short[0] != long_[0]:
        return False
    if long_.startswith(short) or "".join(initials) == short:
        return True
    if short[-1] != long_[-1]:
        return False
    it = iter(long_[1:])
    return all(ch in it for ch in short[1:])


@lru_cache(maxsize=100_000)
def abbreviation_matches(short: str, long_: str) -> bool:
    """`short` is an abbreviation of `long_` ("Gläubiger-ID" / "Gläubiger-Identifikationsnummer",
    "Mitgl.-Nr." / "Mitgliedsnummer", "JHV" / "Jahreshauptversammlung"): the pieces of `short` (split at
    hyphens and full stops) match the compound parts of `long_` in order, each either the same word or, when
    written as an abbreviation (a full stop after it, an acronym, or two or three letters without a vowel),
    an abbreviation of a run of consecutive parts (a prefix, first and last letter with letters in order,
    or the initials); at least one piece is abbreviated."""
    pieces = tuple(
        (fold(m.group(1)), m.group(2) == "." or _looks_abbreviated(m.group(1)))
        for m in re.finditer(r"([^\W_]+)(\.?)", short)
    )
    surface = tuple((fold(p), i) for i, p in enumerate(word_pieces(long_)))
    parts = tuple((fold(p), i) for i, piece in enumerate(word_pieces(long_)) for p in split_compound(piece))
    if not pieces or not parts or not any(marked for _p, marked in pieces) or fold(short) == fold(long_):
        return False
    return any(_align(pieces, long_parts, False) for long_parts in {parts, surface})


def _align(
    pieces: tuple[tuple[str, bool], ...], parts: tuple[tuple[str, int], ...], abbreviated: bool
) -> bool:
    """Match `pieces` to `parts` in order (each piece: equal to one part or abbreviating a run of parts of
    one hyphen-separated piece of the long form)."""
    if not pieces:
        return not parts and abbreviated
    if not parts:
        return False
    (head, marked), rest = pieces[0], pieces[1:]
    first = parts[0][0]
    if (head == first or fold(normalise(head)) == fold(normalise(first))) and _align(
        rest, parts[1:], abbreviated
    ):
        return True
    if not marked:
        return False
    last = len(parts) - len(rest)  # leave at least one part for each piece after this one
    for n in range(1, last + 1):
        run = [p for p, _piece in parts[:n]]
        if parts[n - 1][1] != parts[0][1]:
            break
        if _abbreviates(head, "".join(run), [p[0] for p in run]) and _align(rest, parts[n:], True):
            return True
    return False


# ------------------------------------------------------------------------------- look-ups in a text
# TextTerms kept by `text_terms` (~2.5 kB each; 40 MB): a passage, its title with headings and each of its
# sentences has one, ~37k for a 3.7k-passage site; 0 caches none
SENTENCE_CACHE = 16384


@lru_cache(maxsize=200_000)
def _word_keys(word: str) -> tuple[frozenset[str], tuple[str, ...], bool]:
    """What `TextTerms` keeps of one word: its folded surface forms and lemmas (the word and its hyphen
    pieces), those long enough to hold a compound part at start or end, and whether it looks abbreviated."""
    keys: set[str] = set()
    long: set[str] = set()
    for piece in {word, *word_pieces(word)}:
        bare = piece.strip(".")
        if not bare:
            continue
        key, lemma = fold(bare), fold(normalise(bare))
        keys.update((key, lemma))
        long.update(k for k in (key, lemma) if len(k) > _MIN_AFFIX_MATCH)
    return frozenset(keys), tuple(sorted(long)), "." in word or _abbreviated_word(word)


@lru_cache(maxsize=200_000)
def _lookup_keys(word: str) -> tuple[str, str]:
    """A looked-up word's folded form and folded lemma."""
    return fold(word), fold(normalise(word))


@lru_cache(maxsize=200_000)
def _initial(word: str) -> str:
    return fold(word)[:1]


class TextTerms:
    """The words of a passage, for term look-ups: `coverage(term)` in 0..1. Immutable once built: one
    instance may serve many threads (`text_terms` shares them)."""

    def __init__(self, text: str) -> None:
        words = {sys.intern(w) for w in WORD.findall(text)}  # one copy of a word in every cached text
        keys: set[str] = set()  # folded surface forms and lemmas of words and hyphen pieces
        long: set[str] = set()  # folded words long enough to hold a compound part at start or end
        abbrevs = []
        for w in words:
            word_keys, longer, abbreviated = _word_keys(w)
            keys |= word_keys
            long.update(longer)
            if abbreviated:
                abbrevs.append(w)
        # frozen and compact: a cached instance is shared by threads and kept in an LRU
        self.words = frozenset(words)
        self.keys = frozenset(keys)
        # the long words one after another, each closed by "\n" on both sides: "a word starts (ends) with
        # x" is one substring search for "\nx" ("x\n") instead of a Python loop over the words
        self.long = "\n" + "\n".join(sorted(long)) + "\n" if long else ""
        self._abbrevs = tuple(abbrevs)
        # the words and the abbreviated ones by their folded initial (`_by_initial`): an abbreviation is only
        # compared with the words it can stand for. Made on first use (most texts never need them: a third
        # of the cost of building a TextTerms); two threads may make them once each, with equal results
        self._initials_map: dict[str, tuple[str, ...]] | None = None
        self._abbrev_initials_map: dict[str, tuple[str, ...]] | None = None

    @property
    def _initials(self) -> dict[str, tuple[str, ...]]:
        found = self._initials_map
        if found is None:
            found = self._initials_map = _by_initial(self.words)
        return found

    @property
    def _abbrev_initials(self) -> dict[str, tuple[str, ...]]:
        found = self._abbrev_initials_map
        if found is None:
            found = self._abbrev_initials_map = _by_initial(self._abbrevs) if self._abbrevs else {}
        return found

    def has(self, word: str) -> bool:
        """The word (or its lemma) is in the text, alone or as the first or last part of a compound
        ("Beitrag" in "Mitgliedsbeitrag", "Mitglied" in "Mitgliedsausweis")."""
        key, lemma = _lookup_keys(word)
        if key in self.keys or lemma in self.keys:
            return True
        if len(lemma) < _MIN_AFFIX_MATCH:
            return False
        if "\n" in lemma:  # never from `_lookup_keys`; kept exact all the same
            return any(w.endswith(lemma) or w.startswith(lemma) for w in self.long.split("\n") if w)
        return f"\n{lemma}" in self.long or f"{lemma}\n" in self.long

    def coverage(self, term: Term) -> float:
        """1.0 when the text has the term (lemma, a compound containing it, the term's head alone, or an
        abbreviation either way), else the share of its compound parts the text has ("Beitrag für
        Mitglieder" has both parts of "Mitgliedsbeitrag")."""
        return coverage_in((self,), term)

    def _abbreviates_term(self, bare: str, first: str, abbreviated: bool) -> bool:
        """A word of the text abbreviates the term (`abbreviated`: the term abbreviates a word)."""
        if abbreviated:
            return any(abbreviation_matches(bare, w) for w in self._initials.get(first, ()))
        return any(abbreviation_matches(w, bare) for w in self._abbrev_initials.get(first, ()))

    def _has_part(self, part: str) -> bool:
        return self.has(part) or (
            _looks_abbreviated(part)
            and any(abbreviation_matches(part, w) for w in self._initials.get(part[:1], ()))
        )


def coverage_in(texts: tuple[TextTerms, ...], term: Term) -> float:
    """`TextTerms.coverage` of the texts joined by line breaks (a passage's title and headings with one of
    its sentences), from each text's own `TextTerms`: a word never spans a line break, so the joined text's
    words are the union of theirs, and every check of `coverage` is "some word of the text ...". Each
    text's analysis is shared by all its combinations (a passage's headings by all its sentences)."""
    bare = term.text.strip(".") if term.text.count(".") == 1 else term.text
    if any(t.has(bare) or t.has(term.lemma) for t in texts):
        return 1.0
    first = _initial(bare)
    abbreviated = term.abbreviated
    if any(t._abbreviates_term(bare, first, abbreviated) for t in texts):
        return 1.0
    if len(term.parts) < 2:
        return 0.0
    found = 0
    for part in term.parts:
        if any(t._has_part(part) for t in texts):
            found += 1
    return found / len(term.parts)


def _by_initial(words: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Words grouped by `_initial` (each group in a fixed order)."""
    groups: dict[str, list[str]] = {}
    for w in sorted(words):
        groups.setdefault(_initial(w), []).append(w)
    return {k: tuple(v) for k, v in groups.items()}


_TEXT_TERMS: Lru[str, TextTerms] = Lru(SENTENCE_CACHE)


def text_terms(text: str) -> TextTerms:
    """`TextTerms(text)`, shared from a bounded LRU (the same retrieved sentences and passages come back
    question after question)."""
    return _TEXT_TERMS.get(text, TextTerms)


def cache_clear() -> None:
    """Forget every cached analysis (tests: a cold process)."""
    german_lexicon.cache_clear()
    _TEXT_TERMS.clear()
    _content_words_of.cache_clear()
    key_terms.cache_clear()
    abbreviation_matches.cache_clear()
    _abbreviated_word.cache_clear()
    _looks_abbreviated.cache_clear()
    _word_keys.cache_clear()
    _lookup_keys.cache_clear()
    _initial.cache_clear()
