"""A question's key terms for curated-answer matching: lower-cased words without stop words, lightly stemmed
(shared by curated answers, their matching and the unanswered-question statistics)."""

from __future__ import annotations

import re

STOPWORDS = frozenset(
    """aber alle als also am an auch auf aus bei beim bin bis bitte da dann das dass dem den denn der des die
    dies diese dieser dieses doch du ein eine einem einen einer eines er es etwa euch euer für gibt gilt habe
    haben hat hoch ich ihr im in ist ja jetzt kann kein keine man mich mir mit muss nach nicht noch nur ob oder
    sich sie sind so soll über um und uns unser viel viele vom von vor wann war warum was welche welcher welches
    wenn wer werden wie wieviel wir wird wo woher wohin zu zum zur a about an and are as at be can could do does
    for from have how i in is it me my of on or our please the there this to was we what when where which who
    why will with would you your""".split()
)
_WORD = re.compile(r"\w+", re.UNICODE)
_SUFFIXES = ("ern", "en", "er", "es", "e", "s")


def key_terms(text: str) -> set[str]:
    out = set()
    for word in _WORD.findall(text.lower()):
        if word in STOPWORDS or (len(word) < 3 and not word.isdigit()):
            continue
        for suffix in _SUFFIXES:  # light stemming: Vereine ~ Verein, fees ~ fee
            if len(word) - len(suffix) >= 4 and word.endswith(suffix):
                word = word[: -len(suffix)]
                break
        out.add(word)
    return out
