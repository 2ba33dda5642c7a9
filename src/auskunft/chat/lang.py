"""Which language a visitor writes in (German or English): function words first, langdetect for ties."""

from __future__ import annotations

import functools
import re
import threading

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
# langdetect takes ~1-15 ms a question (random trials over 55 language profiles in Python) and runs before the
# answer cache is asked: a question asked again is decided from here. Seeded, its result depends on the text
# only, so a remembered one is what it would say again.
GUESS_CACHE = 4096


@functools.lru_cache(maxsize=GUESS_CACHE)
def _langdetect(text: str) -> str | None:
    global _seeded
    try:
        from langdetect import DetectorFactory, detect_langs
    except ImportError:  # pragma: no cover - langdetect is a dependency
        return None
    with _lock:
        if not _seeded:
            DetectorFactory.seed = 0  # deterministic
            _seeded = True
        try:
            ranked = detect_langs(text)
        except Exception:  # LangDetectException on text without letters
            return None
    for guess in ranked:
        if guess.lang in SUPPORTED:
            return guess.lang
    return None


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
