"""Hubness of the passages of an index version: how close each one is to everything else.

In a high-dimensional embedding space some points are near neighbours of very many others ("hubs"): on real
association sites an archive page of teasers, a letterhead, a long list of links. A hub is close to every short
question too, so it tops the dense ranking of questions it does not answer (pep-dortmund's archive page of job
offers was the dense first hit for "wo kann ich die satzung runterladen" and "wenn ich austrete ab wann bin ich
raus"). The remedy is CSLS (cross-domain similarity local scaling, Conneau et al. 2018, "Word translation
without parallel data"): judge a passage's cosine with the question against its hubness, the mean cosine to
its `k` nearest passages. Neighbours from the passage's own document do not count: a long document's
passages are close to each other without being close to everything.

Computed at index time over every passage of the version (blocked exact cosines; above `max_exact` passages
the neighbours are looked for in a fixed random sample of that size, which keeps the cost linear) and stored
with the version's sentence vectors (`auskunft.index.sentence_store`); `auskunft.retrieval.votes` reads it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

DEFAULT_K = 10
MAX_EXACT = 60_000  # passages compared with every other; beyond, with a random sample of this many
BLOCK = 1024


def hubness(
    vectors: np.ndarray,
    groups: Sequence[str],
    *,
    k: int = DEFAULT_K,
    max_exact: int = MAX_EXACT,
    seed: int = 0,
) -> np.ndarray:
    """Mean cosine of each row of `vectors` to its `k` nearest rows of another group (document); rows with
    fewer than `k` such neighbours average the ones they have (0.0 with none)."""
    n = len(vectors)
    out = np.zeros(n, dtype=np.float32)
    if n < 2:
        return out
    m = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    m = (m / np.where(norms > 0, norms, 1.0)).astype(np.float32)
    _, group_ids = np.unique(np.asarray(groups, dtype=object).astype(str), return_inverse=True)
    ref = np.arange(n)
    if n > max_exact:
        ref = np.sort(np.random.default_rng(seed).choice(n, size=max_exact, replace=False))
    ref_m, ref_g = m[ref], group_ids[ref]
    for start in range(0, n, BLOCK):
        rows = slice(start, min(start + BLOCK, n))
        sims = m[rows] @ ref_m.T
        sims[group_ids[rows][:, None] == ref_g[None, :]] = -np.inf  # itself and its own document
        kk = min(k, sims.shape[1])
        top = -np.partition(-sims, kk - 1, axis=1)[:, :kk] if kk else np.zeros((sims.shape[0], 0))
        valid = np.isfinite(top)
        counts = valid.sum(axis=1)
        total = np.where(valid, top, 0.0).sum(axis=1)
        out[rows] = np.divide(total, counts, out=np.zeros(len(counts)), where=counts > 0)
    return out
