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

import re
from datetime import date

import numpy as np

from auskunft.models import RetrievedChunk

_WORD = re.compile(r"\w+", re.UNICODE)
# texts that share most word 3-grams embed far closer than this (e5: unrelated German passages ~0.75-0.85)
PREFILTER_COSINE = 0.85


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = [w.lower() for w in _WORD.findall(text)]
    return {tuple(words[i : i + 3]) for i in range(max(len(words) - 2, 1))}


def _overlap(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> float:
    """Share of the smaller text's word 3-grams that occur in the other."""
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def _cosines(vectors: list[list[float] | None]) -> np.ndarray | None:
    """Pairwise cosines in one matrix product; -1 wherever a hit has no vector."""
    present = [v for v in vectors if v is not None]
    if not present:
        return None
    dim = len(present[0])
    m = np.array([v if v is not None and len(v) == dim else [0.0] * dim for v in vectors], dtype=np.float32)
    norms = np.linalg.norm(m, axis=1)
    m = (m / np.where(norms > 0, norms, 1.0)[:, None]).astype(np.float32)
    sims = m @ m.T
    sims[norms == 0, :] = -1.0
    sims[:, norms == 0] = -1.0
    return sims


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

    ranked = sorted(hits, key=adjusted, reverse=True)
    shingles = [_shingles(h.chunk.text) for h in ranked]
    sims = _cosines([vectors.get(h.chunk.chunk_id) for h in ranked])
    groups: list[list[int]] = []  # indexes into `ranked`; the first is the group's best
    for i in range(len(ranked)):
        for g in groups:
            j = g[0]
            if sims is not None and sims[i, j] >= 0:  # both have vectors: copies are at least this close
                same = sims[i, j] >= min_cosine or (
                    sims[i, j] >= PREFILTER_COSINE and _overlap(shingles[i], shingles[j]) >= min_overlap
                )
            else:
                same = _overlap(shingles[i], shingles[j]) >= min_overlap
            if same:
                g.append(i)
                break
        else:
            groups.append([i])
    # each group: its best score, the passage of its newest document (the better rank among equals)
    scored = []
    for g in groups:
        members = [ranked[i] for i in g]
        keep = max(members, key=lambda h: (h.chunk.date or date.min, -order[id(h)]))
        also = list(
            dict.fromkeys(h.chunk.cite_url for h in members if h.chunk.cite_url != keep.chunk.cite_url)
        )
        scored.append((adjusted(members[0]), keep, also))
    # of two near-equal neighbours (within `newer_window`), the newer first
    for i in range(len(scored) - 1):
        (sa, a, _), (sb, b, _) = scored[i], scored[i + 1]
        if a.chunk.date and b.chunk.date and b.chunk.date > a.chunk.date and sb >= (1 - newer_window) * sa:
            scored[i], scored[i + 1] = scored[i + 1], scored[i]
    return [
        keep.model_copy(update={"rank": n, "score": score, "also": also[:10]})
        for n, (score, keep, also) in enumerate(scored[:top_k], 1)
    ]
