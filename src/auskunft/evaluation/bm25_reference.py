"""A plain BM25 (k1 0.9, b 0.4, lower-case word tokens, no stemming) used only to check the metric code
against the published BM25 figures of the public benchmarks."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict

import numpy as np

_TOK = re.compile(r"\w+", re.UNICODE)


class PlainBM25:
    def __init__(self, docs: dict[str, str], k1: float = 0.9, b: float = 0.4) -> None:
        self.ids = list(docs)
        toks = [_TOK.findall(docs[i].lower()) for i in self.ids]
        self.lengths = np.array([len(t) for t in toks], dtype=np.float64)
        self.avgdl = float(self.lengths.mean()) if len(toks) else 1.0
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for d, t in enumerate(toks):
            for term, tf in Counter(t).items():
                self.postings[term].append((d, tf))
        n = len(self.ids)
        self.idf = {t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()}
        self.k1, self.b = k1, b

    def search(self, query: str, k: int = 10) -> list[str]:
        scores = np.zeros(len(self.ids))
        for term in set(_TOK.findall(query.lower())):
            for d, tf in self.postings.get(term, ()):
                norm = self.k1 * (1 - self.b + self.b * self.lengths[d] / self.avgdl)
                scores[d] += self.idf[term] * tf * (self.k1 + 1) / (tf + norm)
        top = np.argsort(-scores, kind="stable")[:k]
        return [self.ids[i] for i in top if scores[i] > 0]
