"""Retrieval metrics over ranked lists of document keys (URL, or URL#page for PDF pages)."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile, q in 0..100; 0.0 for no values."""
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q / 100 * (len(s) - 1))))]


def dedupe(ranked: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    return [k for k in ranked if not (k in seen or seen.add(k))]  # type: ignore[func-returns-value]


def hit_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    return 1.0 if any(r in relevant for r in ranked[:k]) else 0.0


def mrr(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    for i, r in enumerate(ranked[:k], start=1):
        if r in relevant:
            return 1.0 / i
    return 0.0


def recall_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    if not relevant:
        return 0.0
    return len(set(ranked[:k]) & relevant) / len(relevant)


def ndcg_at_k(ranked: Sequence[str], relevance: dict[str, int] | set[str], k: int = 10) -> float:
    """nDCG@k with graded (dict) or binary (set) relevance; duplicates in `ranked` count once."""
    rel = relevance if isinstance(relevance, dict) else {r: 1 for r in relevance}
    ranked = dedupe(ranked)
    dcg = sum(rel.get(r, 0) / math.log2(i + 1) for i, r in enumerate(ranked[:k], start=1))
    ideal = sorted(rel.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 1) for i, g in enumerate(ideal, start=1))
    return dcg / idcg if idcg else 0.0


def retrieval_scores(
    ranked: Sequence[str], relevant: set[str] | dict[str, int], ks: Sequence[int] = (1, 3, 5, 10)
) -> dict[str, float]:
    rel_set = set(relevant)
    ranked = dedupe(ranked)
    out = {f"hit@{k}": hit_at_k(ranked, rel_set, k) for k in ks}
    out |= {f"recall@{k}": recall_at_k(ranked, rel_set, k) for k in ks}
    out["mrr"] = mrr(ranked, rel_set)
    out["ndcg@10"] = ndcg_at_k(ranked, relevant, 10)
    return out


def mean(rows: list[dict[str, float]]) -> dict[str, float]:
    keys = {k for r in rows for k, v in r.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    return {
        k: round(sum(r[k] for r in rows if k in r) / max(1, sum(1 for r in rows if k in r)), 4)
        for k in sorted(keys)
    }


_NUMBER = re.compile(r"\d[\d.,:/+-]*\d|\d")
_CONTENT_WORD = re.compile(r"[^\W\d_][\w*-]{3,}")


def reference_keywords(item: Mapping[str, Any]) -> list[str]:
    """The QA item's `keywords`, else the numbers and content words (4+ letters, no stop words) of its reference."""
    from auskunft.index.sparse import STOPWORDS

    if item.get("keywords"):
        return list(item["keywords"])
    ref = item.get("reference_answer") or ""
    words = _NUMBER.findall(ref) + [w for w in _CONTENT_WORD.findall(ref) if w.lower() not in STOPWORDS]
    return list(dict.fromkeys(words))


@functools.cache
def _stemmer() -> Any:  # auskunft.index.sparse.Bm25Encoder, built once (the sweep calls keyword_recall often)
    from auskunft.index.sparse import Bm25Encoder

    return Bm25Encoder()


def keyword_recall(answer: str, keywords: Sequence[str]) -> float:
    """Share of `keywords` in `answer`: verbatim (case-folded) or all of the keyword's BM25 stems present."""
    if not keywords:
        return 0.0
    enc = _stemmer()
    low = answer.casefold()
    stems = set(enc.tokens(answer))
    found = 0
    for kw in keywords:
        kw_stems = enc.tokens(kw)
        if kw.casefold() in low or (kw_stems and all(s in stems for s in kw_stems)):
            found += 1
    return found / len(keywords)


def answer_outcomes(rows: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """Shares of the answers' outcomes ("answer" confident, "closest" passages labelled as possibly
    relevant, "none" nothing found) over rows with `answerable` and `outcome`:
    - answerable_none_rate: answerable questions told "nothing found" (a visitor turned away);
    - answerable_closest_rate: answerable questions given the closest passages instead of an answer;
    - unanswerable_none_or_closest_rate: unanswerable questions told "nothing found" or given the labelled
      closest passages (the honest outcomes);
    - unanswerable_answer_rate: unanswerable questions given a confident answer."""
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]

    def share(group: Sequence[Mapping[str, Any]], *outcomes: str) -> float:
        return round(sum(1 for r in group if r["outcome"] in outcomes) / max(1, len(group)), 4)

    return {
        "answerable_none_rate": share(answerable, "none"),
        "answerable_closest_rate": share(answerable, "closest"),
        "unanswerable_none_or_closest_rate": share(unanswerable, "none", "closest"),
        "unanswerable_answer_rate": share(unanswerable, "answer"),
    }
