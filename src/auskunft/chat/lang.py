"""Which language a visitor writes in (German or English): function words first, langdetect for ties."""

from __future__ import annotations

import functools
import re
import threading
from typing import Any

from auskunft.text.cache import Lru

SUPPORTED = ("de", "en")
DEFAULT = "de"

_WORD = re.compile(r"[a-zäöüß]+", re.IGNORECASE)
_DE = set(
    """
der die das den dem des ein eine einer einen einem und oder ist sind war wie was wann wo wer warum welche welcher
welches wieso weshalb woher wohin ich du er sie es wir ihr mich mir nicht kein keine mit für auf aus bei von zu zum
zur im ins am an über unter nach vor gibt kann können muss müssen darf dürfen soll sollen wird werden habe haben hat
auch noch schon nur bitte danke gibt's mein meine dein deine unser unsere gilt kostet brauche brauchen
""".split()
)
_EN = set(
    """
the a an and or is are was were how what when where who why which whose i you he she it we they me my your our their
not no with for on from at by of to in into about under after before there can could must may should will would do
does did have has had also only please thanks thank get need needs cost costs apply
""".split()
)

_lock = threading.Lock()
_seeded = False
# langdetect takes ~1-20 ms a question (random trials over 55 language profiles in Python) and runs before the
# answer cache is asked. Seeded, its guess is a function of the character n-grams it samples from, which it
# extracts from the text first (digits, punctuation and runs of spaces are one space to it): a guess is
# remembered by the text (`GUESS_CACHE`) and by those n-grams (`NGRAM_CACHE`), so "Beitrag Kinder? (2)" is
# not detected again after "Beitrag Kinder?".
GUESS_CACHE = 4096
NGRAM_CACHE = 4096
_BY_NGRAMS: Lru[tuple[str, ...], str | None] = Lru(NGRAM_CACHE)


def _detector(text: str) -> Any:
    """langdetect's detector for `text` as `detect_langs` makes it (seeded: its guess depends on the text only)."""
    global _seeded
    from langdetect import DetectorFactory, detector_factory

    if not _seeded:
        DetectorFactory.seed = 0  # deterministic
        _seeded = True
    detector_factory.init_factory()
    detector = detector_factory._factory.create()
    detector.append(text)
    return detector


def _first_supported(detector: Any) -> str | None:
    try:
        ranked = detector.get_probabilities()
    except Exception:  # LangDetectException on text without letters
        return None
    for guess in ranked:
        if guess.lang in SUPPORTED:
            return guess.lang
    return None


def _detect_uncached(text: str) -> str | None:
    """langdetect's first supported guess (`detect_langs`), asked every time."""
    try:
        import langdetect  # noqa: F401
    except ImportError:  # pragma: no cover - langdetect is a dependency
        return None
    with _lock:
        return _first_supported(_detector(text))


@functools.lru_cache(maxsize=GUESS_CACHE)
def _langdetect(text: str) -> str | None:
    """`_detect_uncached(text)`, remembered by the text and by the n-grams langdetect samples from: its
    trials draw from that list with a fixed seed (`Detector._detect_block` cleans the text again, which
    changes nothing the second time), so the same list gives the same guess."""
    try:
        import langdetect  # noqa: F401
    except ImportError:  # pragma: no cover - langdetect is a dependency
        return None
    with _lock:
        detector = _detector(text)
        detector.cleaning_text()
        key = tuple(detector._extract_ngrams())
        return _BY_NGRAMS.get(key, lambda _key: _first_supported(detector))


def detect_language(text: str, hint: str | None = None) -> str:
    """'de' or 'en'. `hint` (e.g. the widget's language) decides when the text itself does not."""
    words = [w.lower() for w in _WORD.findall(text)]
    de = sum(w in _DE for w in words) + 2 * sum(any(c in w for c in "äöüß") for w in words)
    en = sum(w in _EN for w in words)
    if de != en and max(de, en) >= 1 and (abs(de - en) >= 2 or min(de, en) == 0):
        return "de" if de > en else "en"
    guess = _langdetect(text) if len(words) >= 3 else None
    if guess:
        return guess
    if hint and hint[:2].lower() in SUPPORTED:
        return hint[:2].lower()
    return DEFAULT
