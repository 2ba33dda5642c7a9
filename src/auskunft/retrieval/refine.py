"""What real sites need after fusion: one passage per text, the newer of near-equal hits, listings below pages.

Real association sites publish the same text several times (an HTML page and its PDF, archived copies, old
and current versions, a newsletter repeating a press release), and archive/overview pages repeat the teasers of
the pages they list. Left alone, the top results are copies of one text and the answer quotes an outdated one.

- Copies: two hits are the same text when their embeddings are nearly identical or most of the word 3-grams of
  the shorter one occur in the other. A group of copies keeps the position of its best hit and the passage of
  its newest document; the other copies' URLs go to `also` (the citation names them too).
- Currency: of two neighbouring hits whose scores are within `newer_window`, the newer ranks first; so does the
  newer of two versions of one text (embeddings ≥ `version_cosine` close and sharing `version_overlap` of
  their word 3-grams) within two places and `version_floor` of the score, since the copies of the newer version
  split the fused votes. Dated hits only: the chunk date is set from strong date sources, see chunking.
- Listings: hits from listing pages (archive indexes, news overviews) keep `listing_factor` of their score.

On arrays: the hits' vectors as one matrix, all pairwise cosines in one product; a hit is compared in Python
only with the groups whose cosine leaves the question open (close enough for a copy, or a hit without a
vector), and word 3-grams are made only for the hits such a comparison needs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

import numpy as np

from auskunft.index.chunking import BOILERPLATE_HEADING
from auskunft.models import RetrievedChunk
from auskunft.text.cache import Lru

_WORD = re.compile(r"\w+", re.UNICODE)
# texts that share most word 3-grams embed far closer than this (e5: unrelated German passages ~0.75-0.85)
PREFILTER_COSINE = 0.85


# a passage's word 3-grams, by its text: the same passages come back search after search (~16 kB each)
SHINGLE_CACHE = 2048
_SHINGLES: Lru[str, frozenset[str]] = Lru(SHINGLE_CACHE)


def _shingles(text: str) -> frozenset[str]:
    return _SHINGLES.get(text, _make_shingles)


def _make_shingles(text: str) -> frozenset[str]:
    """The word 3-grams as strings "w1 w2 w3" (a word holds no space, so two 3-grams are equal as strings
    exactly when they are equal as word triples; a string keeps its hash, a tuple computes it at every
    lookup); a text of fewer than three words is one gram of its words."""
    found = _WORD.findall(text)
    # lower-casing the words joined by spaces is lower-casing each (no lower case form holds a space)
    words = " ".join(found).lower().split(" ") if found else []
    if len(words) < 3:
        return frozenset({" ".join(words)})
    return frozenset(map(" ".join, zip(words, words[1:], words[2:], strict=False)))


# the word 3-gram overlap of two passages, by their two texts (a pure function of them): the same candidates
# come back search after search, and comparing them (~430 pairs of the service's 44 candidates, most of them
# above the cosine prefilter) was most of a refinement. Bounded: emptied when full (~200 bytes a pair).
PAIR_CACHE = 65536
_PAIRS: dict[tuple[str, str], float] = {}


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Share of the smaller text's word 3-grams that occur in the other; 0 when one text is less than half
    the other (a contact block inside a page is not a copy of the page)."""
    if not a or not b or 2 * min(len(a), len(b)) < max(len(a), len(b)):
        return 0.0
    return len(a & b) / min(len(a), len(b))


def _cosines(vectors: list[Sequence[float] | np.ndarray | None]) -> tuple[np.ndarray, np.ndarray] | None:
    """(pairwise cosines in one matrix product, which hits have a vector); None when none has one."""
    present = next((v for v in vectors if v is not None and len(v)), None)
    if present is None:
        return None
    dim = len(present)
    zero = np.zeros(dim, dtype=np.float32)
    m = np.stack(
        [np.asarray(v, dtype=np.float32) if v is not None and len(v) == dim else zero for v in vectors]
    )
    norms = np.linalg.norm(m, axis=1)
    has = norms > 0
    m /= np.where(has, norms, 1.0)[:, None]
    return m @ m.T, has


def _own_text(h: RetrievedChunk) -> bool:
    """False for a document's letterhead/contact chunk: of copies, the page whose content it is cites best."""
    return h.chunk.heading_path != [BOILERPLATE_HEADING]


def refine(
    hits: list[RetrievedChunk],
    vectors: Mapping[str, Sequence[float] | np.ndarray] | None = None,
    *,
    top_k: int,
    min_cosine: float = 0.97,
    min_overlap: float = 0.7,
    newer_window: float = 0.15,
    version_cosine: float = 0.93,
    version_overlap: float = 0.35,
    version_floor: float = 0.5,
    listing_factor: float = 0.5,
) -> list[RetrievedChunk]:
    """`hits` best first (more than `top_k`, so copies can be folded); `vectors`: chunk id -> dense vector."""
    if not hits:
        return []
    vectors = vectors or {}
    order = {id(h): i for i, h in enumerate(hits)}

    def adjusted(h: RetrievedChunk) -> float:
        return h.score * (listing_factor if h.chunk.is_listing else 1.0)

    ranked = sorted(hits, key=adjusted, reverse=True)
    texts = [h.chunk.text for h in ranked]
    grams: dict[int, frozenset[str]] = {}

    def shingles(i: int) -> frozenset[str]:
        if i not in grams:
            grams[i] = _shingles(texts[i])
        return grams[i]

    def overlap(i: int, j: int) -> float:
        """`_overlap` of hits i and j, remembered by their pair of texts."""
        key = (texts[i], texts[j])
        found = _PAIRS.get(key)
        if found is None:
            found = _overlap(shingles(i), shingles(j))
            if PAIR_CACHE > 0:
                if len(_PAIRS) >= PAIR_CACHE:
                    _PAIRS.clear()
                _PAIRS[key] = found
        return found

    cos = _cosines([vectors.get(h.chunk.chunk_id) for h in ranked])
    sims, has_ = cos if cos is not None else (None, np.zeros(len(ranked), dtype=bool))
    # the thresholds compared once for all pairs (numpy, as before), then read as Python lists: a hit meets at
    # most a few dozen groups, where numpy's per-call cost outweighed the comparisons themselves
    has: list[bool] = has_.tolist()
    candidate: list[list[bool]] = [] if sims is None else (sims >= PREFILTER_COSINE).tolist()
    copy: list[list[bool]] = [] if sims is None else (sims >= min_cosine).tolist()
    close: list[list[bool]] = [] if sims is None else (sims >= version_cosine).tolist()
    groups: list[list[int]] = []  # indexes into `ranked`; the first is the group's best
    for i in range(len(ranked)):
        vec_i = sims is not None and has[i]
        for g in groups:
            j = g[0]
            # with both vectors, copies are at least PREFILTER_COSINE close: the others are no candidates
            if vec_i and has[j] and not candidate[i][j]:
                continue
            if vec_i and has[j]:
                same = copy[i][j] or overlap(i, j) >= min_overlap
            else:
                same = overlap(i, j) >= min_overlap
            if same:
                g.append(i)
                break
        else:
            groups.append([i])
    # each group: its best score, the passage of its newest document (a page's own text before a letterhead
    # copy, the better rank among equals)
    scored = []
    for g in groups:
        members = [ranked[i] for i in g]
        keep = max(members, key=lambda h: (_own_text(h), h.chunk.date or date.min, -order[id(h)]))
        also = list(
            dict.fromkeys(h.chunk.cite_url for h in members if h.chunk.cite_url != keep.chunk.cite_url)
        )
        scored.append((adjusted(members[0]), keep, also, g[0]))

    def versions(i: int, j: int) -> bool:
        """Two versions of one text (a chair, a phone number, a fee changed): close, but not copies."""
        similar = sims is None or not (has[i] and has[j]) or close[i][j]
        return similar and overlap(i, j) >= version_overlap

    # the newer first: of near-equal neighbours (within `newer_window`), and of two versions of one text a
    # little further apart (copies split a fused ranking's votes between them)
    i = 0
    while i < len(scored) - 1:
        sa, a, _, ha = scored[i]
        for j in range(i + 1, min(i + 3, len(scored))):
            sb, b, _, hb = scored[j]
            newer = a.chunk.date is not None and b.chunk.date is not None and b.chunk.date > a.chunk.date
            near = j == i + 1 and sb >= (1 - newer_window) * sa
            if newer and (near or (sb >= version_floor * sa and versions(ha, hb))):
                scored.insert(i, scored.pop(j))
                break
        i += 1
    return [
        keep.model_copy(update={"rank": n, "score": score, "also": also[:10]})
        for n, (score, keep, also, _) in enumerate(scored[:top_k], 1)
    ]
