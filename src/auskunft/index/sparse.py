"""BM25 sparse vectors with German-aware tokenisation, for Qdrant's sparse vectors with the IDF modifier.

Document side: BM25's saturated term frequency (k1, b, length normalisation against a fixed average
length); query side: 1 per distinct term. Qdrant multiplies in the IDF (`modifier=IDF`), so scores are
BM25 without the client needing corpus statistics. Token ids are crc32 hashes (stable across processes).
"""

from __future__ import annotations

import re
import threading
import unicodedata
import zlib
from collections import Counter
from functools import lru_cache

import snowballstemmer

NAME = "bm25-de"
VERSION = "2"  # bump whenever tokens change: IndexConfig.sparse_model then asks for a rebuild

STOPWORDS = set(
    """
aber alle allem allen aller alles als also am an ander andere anderem anderen anderer anderes anderm andern anders
auch auf aus bei bin bis bist da damit dann das dass daß dasselbe dazu dein deine dem den denn der derer des dessen
dich die dies diese dieselbe dieselben diesem diesen dieser dieses dir doch dort du durch ein eine einem einen einer
eines einig einige einigem einigen einiger einiges einmal er es etwas euch euer eure für gegen gewesen hab habe haben
hat hatte hatten hier hin hinter ich ihm ihn ihnen ihr ihre ihrem ihren ihrer ihres im in indem ins ist jede jedem
jeden jeder jedes jene jenem jenen jener jenes jetzt kann kein keine keinem keinen keiner keines können könnte machen
man manche manchem manchen mancher manches mein meine meinem meinen meiner meines mich mir mit muss musste nach nicht
nichts noch nun nur ob oder ohne sehr sein seine seinem seinen seiner seines selbst sich sie sind so solche solchem
solchen solcher solches soll sollte sondern sonst über um und uns unsere unserem unseren unser unseres unter viel
vom von vor während war waren warst was weg weil weiter welche welchem welchen welcher welches wenn werde werden wie
wieder will wir wird wirst wo wollen wollte würde würden zu zum zur zwar zwischen
a an and are as at be by for from has have how i in is it its of on or that the this to was what when where which
who why will with wie wer wann welche
""".split()
)

_TOKEN = re.compile(r"\w+", re.UNICODE)
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_UNFOLD = re.compile(r"(?<![aeiouäöüq])(?:ae|oe|ue)")  # not in Frauen, neue, Quelle
_UMLAUT = {"ae": "ä", "oe": "ö", "ue": "ü"}


def _fold(word: str) -> str:
    return word.translate(_FOLD)


FOLDED_STOPWORDS = frozenset(_fold(w) for w in STOPWORDS)


class Bm25Encoder:
    """Stateless and thread-safe; `tokens()` is also used by the extractive answerer and the rewriter."""

    def __init__(self, k1: float = 1.2, b: float = 0.75, avgdl: float = 120.0) -> None:
        self.k1, self.b, self.avgdl = k1, b, avgdl
        self.name = f"{NAME}@{VERSION}"

    def tokens(self, text: str) -> list[str]:
        """Lower-cased, NFKC, stopwords dropped, German-stemmed, umlauts/ß folded (ä -> ae, ß -> ss)."""
        text = unicodedata.normalize("NFKC", text).lower()
        out = []
        for word in _TOKEN.findall(text):
            if len(word) < 2 and not word.isdigit():
                continue
            stem = _stem(word)
            if stem:
                out.append(stem)
        return out

    @staticmethod
    def token_id(token: str) -> int:
        return zlib.crc32(token.encode("utf-8")) & 0x7FFFFFFF

    def _vector(self, weights: dict[int, float]) -> tuple[list[int], list[float]]:
        items = sorted(weights.items())
        return [i for i, _ in items], [w for _, w in items]

    def encode_document(self, text: str) -> tuple[list[int], list[float]]:
        toks = self.tokens(text)
        dl = len(toks) or 1
        norm = self.k1 * (1 - self.b + self.b * dl / self.avgdl)
        weights: dict[int, float] = {}
        for tok, tf in Counter(toks).items():
            tid = self.token_id(tok)
            weights[tid] = weights.get(tid, 0.0) + tf * (self.k1 + 1) / (tf + norm)
        return self._vector(weights)

    def encode_query(self, text: str) -> tuple[list[int], list[float]]:
        return self._vector({self.token_id(t): 1.0 for t in set(self.tokens(text))})


_STEMMER = snowballstemmer.stemmer("german")
# English Porter2 after German Snowball: SciFact BM25 nDCG@10 0.666 -> 0.689, XQuAD-de unchanged (0.946 -> 0.947)
_ENGLISH = snowballstemmer.stemmer("english")
_STEM_LOCK = threading.Lock()  # snowballstemmer objects keep state between calls


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    """One surface form -> its folded stem ("" for a stopword). Spellings with ae/oe/ue/ss and with
    umlauts/ß give the same result: the word is folded, then its digraphs turned back into umlauts for
    the Snowball German stemmer, whose output is folded again and stemmed by English Porter2 (so English
    pages conflate "studies"/"study" too)."""
    folded = _fold(word)
    if folded in FOLDED_STOPWORDS:
        return ""
    if folded.isascii() and folded.isalpha():
        folded_u = _UNFOLD.sub(lambda m: _UMLAUT[m.group(0)], folded)
    else:
        folded_u = folded
    with _STEM_LOCK:
        stem = _ENGLISH.stemWord(_fold(_STEMMER.stemWord(folded_u)))
    return stem
