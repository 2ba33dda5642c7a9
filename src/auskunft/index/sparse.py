"""BM25 sparse vectors with German-aware tokenisation, for Qdrant's sparse vectors with the IDF modifier.

Document side: BM25's saturated term frequency (k1, b, length normalisation against a fixed average
length); query side: 1 per distinct term. Qdrant multiplies in the IDF (`modifier=IDF`), so scores are
BM25 without the client needing corpus statistics. Token ids are crc32 hashes (stable across processes).

Analyzers (`analyzer=`, setting SPARSE_ANALYZER): "plain" stems each word (German Snowball, then English
Porter2); "german" stems each word's lemma (simplemma: "Häuser" -> "Haus", "ging" -> "gehen") and adds the
stems of a compound noun's parts as terms of their own (HanTa: "Mitgliederversammlung" -> + mitglied,
versammlung), for documents and queries alike, so "Versammlung der Mitglieder" finds the compound and the
compound finds its parts. The analyzer is part of the encoder's `name` (IndexConfig.sparse_model): an index
built with one is never queried with the other (`Bm25Encoder.for_model`).
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
GERMAN_VERSION = "1"  # the "german" analyzer's own version (lemmas + compound parts), in its name
ANALYZERS = ("plain", "german")
_MIN_COMPOUND = 7  # shorter words are not split (two parts of three letters and a linking letter at least)

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

    def __init__(
        self, k1: float = 1.2, b: float = 0.75, avgdl: float = 120.0, analyzer: str = "plain"
    ) -> None:
        if analyzer not in ANALYZERS:
            raise ValueError(f"unknown sparse analyzer {analyzer!r}: one of {', '.join(ANALYZERS)}")
        self.k1, self.b, self.avgdl = k1, b, avgdl
        self.analyzer = analyzer
        self.name = f"{NAME}@{VERSION}" if analyzer == "plain" else f"{NAME}@{VERSION}+german{GERMAN_VERSION}"

    @classmethod
    def for_model(cls, sparse_model: str) -> Bm25Encoder:
        """The encoder an index was built with (its IndexConfig.sparse_model), so queries match it."""
        for analyzer in ANALYZERS:
            enc = cls(analyzer=analyzer)
            if enc.name == sparse_model:
                return enc
        raise ValueError(f"index built with sparse model {sparse_model!r}, which this version cannot encode")

    def start(self) -> None:
        """Load the German language resources the "german" analyzer uses (safe to call twice)."""
        if self.analyzer == "german":
            from auskunft.text import german_lexicon

            german_lexicon.start()

    def tokens(self, text: str) -> list[str]:
        """Lower-cased, NFKC, stopwords dropped, German-stemmed, umlauts/ß folded (ä -> ae, ß -> ss); with the
        "german" analyzer the stems of lemmas, and compound parts after each compound."""
        if self.analyzer == "german":
            return _german_tokens(unicodedata.normalize("NFKC", text))
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


def _german_tokens(text: str) -> list[str]:
    out: list[str] = []
    for word in _TOKEN.findall(text):
        out.extend(_german_word(word))
    return out


@lru_cache(maxsize=200_000)
def _german_word(word: str) -> tuple[str, ...]:
    """One word (case as written: German nouns are capitalised) -> the stem of its lemma, then the stems of
    its compound parts when it is a compound noun."""
    if len(word) < 2 and not word.isdigit():
        return ()
    low = word.lower()
    if _fold(low) in FOLDED_STOPWORDS:
        return ()
    if not word.isalpha():
        return (_stem(low),) if _stem(low) else ()
    from auskunft.text import german_lexicon

    stem = _stem(german_lexicon.normalise(word).lower()) or _stem(low)
    out = [stem] if stem else []
    if len(word) >= _MIN_COMPOUND and word[0].isupper():  # German nouns are written capitalised
        parts = german_lexicon.split_compound(word)
        if len(parts) > 1:
            out.extend(p for p in (_stem(part) for part in parts) if p and p != stem)
    return tuple(out)
