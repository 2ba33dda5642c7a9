"""What kind of fact a question asks for, and whether a quoted sentence carries one (the expected answer type of
classic question answering, for the two types a sentence shows on its surface).

A quantity question ("Wie hoch ist die Protestgebühr?", "Was kostet eine Spielerlizenz?", "Wie viele Vereine
…?") is answered by a sentence with a number or an amount; a time question ("Wann …?", "Bis wann …?", "An
welchem Datum …?") by one with a date, a weekday, a month, a time of day or a recurring period. A sentence that
only names the topic ("Ohne Protestgebühr gilt der Antrag als nicht gestellt.", "Die Höhe der Beiträge ist im
Finanzstatus geregelt.") is on the question's subject but does not answer it: the extractive answer then shows
it as one of the closest passages, not as the answer. Other questions (who, what, where, yes/no) have no
surface type here and are not checked.

A question that names a year is about that year: a quote that names only other years ("Im Jahr 2026 rückten
wir zu 4 Einsätzen aus." for "… 2024?") does not answer it (`about_the_years`).
"""

from __future__ import annotations

import re
from typing import Literal

AnswerType = Literal["quantity", "time"]

_QUANTITY_Q = re.compile(
    r"\b(?:wie\s*(?:viel|viele|vielen|hoch|teuer|lange?|groß|gross|alt|oft|weit|schwer|breit)|wieviele?n?"
    r"|was\s+(?:kostet|kosten|zahlt|zahle|bezahlt|bezahle)|welche[rn]?\s+(?:betrag|preis|gebühr|summe|höhe|anzahl)"
    r"|how\s+(?:much|many|long|old|often|high)|what\s+does\s+\w+\s+cost)\b",
    re.I,
)
_TIME_Q = re.compile(
    r"\b(?:wann|ab\s+wann|bis\s+wann|seit\s+wann|an\s+welchem\s+(?:tag|datum|wochentag)"
    r"|um\s+wie\s*viel\s+uhr|welche[rnm]?\s+(?:tag|datum|termin|uhrzeit|wochentag|monat|jahr)|when)\b",
    re.I,
)
_NUMBER_WORDS = (
    r"zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|zwanzig|dreißig|vierzig|fünfzig|sechzig|siebzig|"
    r"achtzig|neunzig|hundert|tausend|million(?:en)?|dutzend|einzige[rn]?|keine[rn]?|beide|halb|doppelt|"
    r"two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|hundred|thousand|none"
)
_QUANTITY_A = re.compile(
    rf"\d|€|\beuro\b|\beur\b|\b(?:{_NUMBER_WORDS})\b|\b(?:kostenlos|kostenfrei|gebührenfrei|beitragsfrei|gratis|"
    r"umsonst|frei|free|unentgeltlich)\b",
    re.I,
)
_MONTHS = (
    r"januar|jänner|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember|"
    r"january|february|march|june|july|october|december"
)
_TIME_A = re.compile(
    rf"\d|\b(?:{_MONTHS}|"
    r"jan|feb|mär|apr|jun|jul|aug|sep|sept|okt|nov|dez|montag|dienstag|mittwoch|donnerstag|freitag|samstag|"
    r"sonntag|montags|dienstags|mittwochs|donnerstags|freitags|samstags|sonntags|wochenende|werktags?|täglich|"
    r"wöchentlich|monatlich|jährlich|jeden|jede|jedes|uhr|frühjahr|frühling|sommer|herbst|winter|ostern|pfingsten|"
    r"weihnachten|silvester|heute|morgen|sofort|jederzeit|ganzjährig|saison|quartal|halbjahr|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday|daily|weekly|monthly|yearly|annually)\b",
    re.I,
)
# numbers that are no quantity: a list's or an outline's numbering ("3.1.1.", "4. Der Protest …"), a reference
# (§ 9, Abs. 2, Nr. 3, Seite 5), a date (18.09.2019, 31. Dezember), a year, a time of day
_NOT_A_QUANTITY = re.compile(
    r"(?m)(?:^|[;:]\s)\s*(?:\(?\d+[.)]|[a-z]\))(?=\s)"  # also a list's items joined in one candidate
    r"|\b\d+(?:\.\d+)+\.?"
    r"|(?:§+|\babs\.|\babsatz|\bart\.|\bartikel|\bnr\.|\bziffer|\bziff\.|\bpunkt|\bkapitel|\bseite|\bs\.)\s*\d+\w*"
    rf"|\b\d{{1,2}}\.\s*(?:{_MONTHS})\b"
    r"|\b(?:19|20)\d\d\b(?!\s*(?:€|euro|eur\b))"
    r"|\b\d{1,2}(?::\d\d)?\s*uhr\b",
    re.I,
)


def expected_type(question: str) -> AnswerType | None:
    """ "quantity", "time" or None (no surface type to check). A question asking both ("wann und wie viel")
    counts as quantity: the stricter surface (a number) is what its answer shows."""
    if _QUANTITY_Q.search(question):
        return "quantity"
    if _TIME_Q.search(question):
        return "time"
    return None


def carries(text: str, kind: AnswerType) -> bool:
    """Whether `text` holds a fact of that kind on its surface: a number or amount that is not a numbering, a
    reference, a date, a year or a time of day; a date, a weekday, a month or a period."""
    if kind == "quantity":
        return bool(_QUANTITY_A.search(_NOT_A_QUANTITY.sub(" ", text)))
    return bool(_TIME_A.search(text))


# a year in a sentence (not an amount: "2000 Euro")
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?![\d.,]\d)(?!\s*(?:€|euro\b|eur\b))", re.IGNORECASE)


def about_the_years(text: str, years: set[str]) -> bool:
    """`text` names one of `years`, or no year at all (it may be about any)."""
    named = set(_YEAR.findall(text))
    return not named or bool(named & years)
