"""German words from maintained language resources that ship their data in their wheels.

- lemmas: `simplemma` (dictionary lemmatiser; "Mitglieder" -> "Mitglied", "abgebucht" -> "abbuchen");
- everyday words: `wordfreq` Zipf frequencies (log10 of occurrences per billion words; "und" 7.5,
  "Programm" 5.0, "Mitgliedsbeitrag" 2.7, a name or typo 0): a word is everyday by how often German uses
  it, not by a hand list;
- parts of speech and compound parts: `HanTa` (Hanover Tagger's German morphology model:
  "Mitgliederversammlung" -> mitglied + versammlung, "abgebucht" -> a past participle).

The resources load in `start()` (about 2 s, safe to call twice and from several threads); every function
calls it, so a caller that skips it pays the load on first use. Look-ups are cached per word (lemmas,
frequencies, HanTa's analyses, compound parts). What a question asks for and what a passage holds of it
(key terms, abbreviations, `TextTerms`) is `auskunft.text.german`.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import lru_cache
from typing import Any

log = logging.getLogger(__name__)

_LANG = "de"
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_PART_TAGS = ("NN", "NE", "ADJ", "VV", "FM", "CARD")  # morphemes that are words of their own
_MIN_PART = 3  # compound parts shorter than this are affixes, not words

_lock = threading.Lock()
_tagger: Any = None


def start() -> None:
    """Load the lemma dictionary, the frequency list and the morphology model (idempotent, thread-safe)."""
    global _tagger
    if _tagger is not None:
        return
    with _lock:
        if _tagger is not None:
            return
        import simplemma
        import wordfreq
        from HanTa import HanoverTagger

        simplemma.lemmatize("Mitglieder", lang=_LANG)  # loads the German dictionary
        wordfreq.zipf_frequency("und", _LANG)  # loads the German frequency list
        tagger = HanoverTagger.HanoverTagger("morphmodel_ger.pgz")
        _memoise_forward(tagger)
        _tagger = tagger
        log.info("German language resources loaded (simplemma, wordfreq, HanTa)")


def _hanta() -> Any:
    if _tagger is None:
        start()
    return _tagger


_hanta_lock = threading.Lock()  # HanTa keeps a cache dict it writes while analysing


def _memoise_forward(tagger: Any) -> None:
    """HanTa tags a word outside its precomputed vocabulary by running its morphology model forward over the
    word's letters (~3 ms a word) every time it sees it; that is a pure function of the lower-cased word,
    so it is remembered per word (a copy of the list each call: HanTa's callers own what they get)."""
    forward = tagger.analyze_forward

    @lru_cache(maxsize=50_000)
    def remembered(word: str) -> tuple[Any, ...]:
        return tuple(forward(word))

    tagger.analyze_forward = lambda word: list(remembered(word))


def fold(word: str) -> str:
    """Lower case, NFKC, umlauts and ß spelled out ("Größe" -> "groesse"): both spellings compare equal."""
    return unicodedata.normalize("NFKC", word).lower().translate(_FOLD)


@lru_cache(maxsize=200_000)
def zipf(word: str) -> float:
    """wordfreq's Zipf frequency of a German word (0.0 when unknown: names, typos, rare compounds)."""
    start()
    import wordfreq

    return float(wordfreq.zipf_frequency(word, _LANG))


@lru_cache(maxsize=200_000)
def normalise(word: str) -> str:
    """The lower-cased lemma of one word ("Mitglieder" -> "mitglied", "abgebucht" -> "abbuchen"); a word
    the dictionary does not know is returned lower-cased. A lower-case noun finds its lemma too."""
    start()
    import simplemma

    lemma = simplemma.lemmatize(word, lang=_LANG)
    if lemma == word and word[:1].islower():
        capital = simplemma.lemmatize(word[:1].upper() + word[1:], lang=_LANG)
        if capital != word[:1].upper() + word[1:]:
            lemma = capital
    return lemma.lower()


@lru_cache(maxsize=200_000)
def analyse(word: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """HanTa's (part of speech, morphemes) of one word."""
    tagger = _hanta()
    with _hanta_lock:
        _lemma, morphemes, pos = tagger.analyze(word, taglevel=3)
    return str(pos), tuple((str(m), str(t)) for m, t in morphemes)


def tag_words(words: list[str]) -> Any:
    """HanTa's part-of-speech tags of a sentence's words, in their context."""
    tagger = _hanta()
    with _hanta_lock:  # tags only (the lemmas HanTa would add per word are not used)
        return tagger.tag_sent(words, taglevel=0)


def word_pieces(word: str) -> list[str]:
    """A word split at hyphens and inner full stops ("Mitgl.-Nr." -> Mitgl, Nr)."""
    return [p for p in re.split(r"[-.]+", word) if p]


@lru_cache(maxsize=200_000)
def split_compound(word: str) -> tuple[str, ...]:
    """Lower-cased parts of a German compound noun, head last ("Mitgliederversammlung" -> mitglied,
    versammlung; "Gläubiger-ID" -> gläubiger, id); a word that is no compound gives itself (lower-cased
    lemma). Hyphens always split; other words are split by HanTa's morphology when it reads them as nouns."""
    pieces = word_pieces(word)
    if len(pieces) > 1:
        return tuple(p for piece in pieces for p in split_compound(piece))
    if not pieces:
        return ()
    word = pieces[0]
    if len(word) < 2 * _MIN_PART:
        return (normalise(word),)
    noun = word[:1].upper() + word[1:]  # a lower-case noun is analysed as one ("sommerfest")
    pos, morphemes = analyse(noun)
    parts = [m for m, tag in morphemes if tag.split("_")[0] in _PART_TAGS and len(m) >= _MIN_PART]
    if not pos.startswith("NN") or len(parts) < 2:
        return (normalise(word),)
    return (*parts[:-1], normalise(parts[-1]))


def cache_clear() -> None:
    """Forget every cached word analysis (tests: a cold process)."""
    zipf.cache_clear()
    normalise.cache_clear()
    analyse.cache_clear()
    split_compound.cache_clear()
