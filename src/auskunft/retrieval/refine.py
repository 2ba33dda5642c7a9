"""What real sites need after fusion: one passage per text, the newer of near-equal hits, listings below pages.

Real association sites publish the same text several times (an HTML page and its PDF, archived copies, old
and current versions, a newsletter repeating a press release), and archive/overview pages repeat the teasers of
the pages they list. Left alone, the top results are copies of one text and the answer quotes an outdated one.

- Copies: two hits are the same text when their embeddings are nearly identical or most of the word 3-grams of
  the shorter one occur in the other. A group of copies keeps the position of its best hit and the passage of
  its newest document; the other copies' URLs go to `also` (the citation names them too).
- Currency: of two neighbouring hits whose scores are within `newer_window`, the newer ranks first (dated
  hits only: the chunk date is set from strong date sources, see chunking).
- Listings: hits from listing pages (archive indexes, news overviews) keep `listing_factor` of their score.
"""

from __future__ import annotations

import math
import re
from datetime import date

from auskunft.models import RetrievedChunk

_WORD = re.compile(r"\w+", re.UNICODE)


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = [w.lower() for w in _WORD.findall(text)]
    return {tuple(words[i : i + 3]) for i in range(max(len(words) - 2, 1))}


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    na, nb = math.sqrt(sum(x * x for x in a)), math.sqrt(sum(y * y for y in b))
    return dot / (na * nb) if na and nb else 0.0


def same_text(
    a: RetrievedChunk,
    b: RetrievedChunk,
    vec_a: list[float] | None,
    vec_b: list[float] | None,
    *,
    min_cosine: float,
    min_overlap: float,
) -> bool:
    if vec_a is not None and vec_b is not None and _cosine(vec_a, vec_b) >= min_cosine:
        return True
    sa, sb = _shingles(a.chunk.text), _shingles(b.chunk.text)
    if not sa or not sb:
        return False
    return len(sa & sb) / min(len(sa), len(sb)) >= min_overlap


def refine(
    hits: list[RetrievedChunk],
    vectors: dict[str, list[float]] | None = None,
    *,
    top_k: int,
    min_cosine: float = 0.97,
    min_overlap: float = 0.7,
    newer_window: float = 0.15,
    listing_factor: float = 0.75,
) -> list[RetrievedChunk]:
    """`hits` best first (more than `top_k`, so copies can be folded); `vectors`: chunk id -> dense vector."""
    if not hits:
        return []
    vectors = vectors or {}
    order = {id(h): i for i, h in enumerate(hits)}

    def adjusted(h: RetrievedChunk) -> float:
        return h.score * (listing_factor if h.chunk.is_listing else 1.0)

    groups: list[list[RetrievedChunk]] = []
    for h in sorted(hits, key=adjusted, reverse=True):
        for g in groups:
            if same_text(
                g[0],
                h,
                vectors.get(g[0].chunk.chunk_id),
                vectors.get(h.chunk.chunk_id),
                min_cosine=min_cosine,
                min_overlap=min_overlap,
            ):
                g.append(h)
                break
        else:
            groups.append([h])
    # each group: its best score, the passage of its newest document (earliest rank among equals)
    scored = []
    for g in groups:
        keep = max(g, key=lambda h: (h.chunk.date or date.min, -order[id(h)]))
        also = list(dict.fromkeys(h.chunk.cite_url for h in g if h.chunk.cite_url != keep.chunk.cite_url))
        scored.append((adjusted(g[0]), keep, also))
    # of two near-equal neighbours (within `newer_window`), the newer first
    for i in range(len(scored) - 1):
        (sa, a, _), (sb, b, _) = scored[i], scored[i + 1]
        if a.chunk.date and b.chunk.date and b.chunk.date > a.chunk.date and sb >= (1 - newer_window) * sa:
            scored[i], scored[i + 1] = scored[i + 1], scored[i]
    return [
        keep.model_copy(update={"rank": n, "score": score, "also": also[:10]})
        for n, (score, keep, also) in enumerate(scored[:top_k], 1)
    ]
