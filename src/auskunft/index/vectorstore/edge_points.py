"""A reader's points by id, per published generation of the embedded store (`EdgeStore` readers).

A published generation never changes, so a reader asks the engine for the ids and scores of a query only and
takes each point's payload and vector from here, fetching the points it does not hold in one `retrieve`. A
44-point hybrid query (the service's search) cost ~0.55 ms in the engine and ~1 ms more turning its payloads and
vectors into Python objects and arrays; the engine's ids-and-scores answer takes ~0.15 ms. The point's memo
(`Hit.memo`) holds what the searcher derives from it (its Chunk), made once per point and generation.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import qdrant_edge as qe

from auskunft.index.vectorstore.base import DENSE, Hit

# points held per reader (~5 kB each: payload, vector, Chunk)
READER_POINT_CACHE = 8192


class PointCache:
    """A reader's points by id (bounded, least recently used first out): id, payload, vector and memo as the
    engine stored them, the vector read-only (every hit of the point shares it)."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[object, Hit] = OrderedDict()
        self._lock = threading.Lock()

    def hits(self, shard: qe.EdgeShard, points: list, with_dense: bool) -> list[Hit] | None:
        """`points` (ids and scores of a query) as hits; None when the shard did not give a point back."""
        with self._lock:
            held = [self._items.get(p.id) for p in points]
            for p, h in zip(points, held, strict=True):
                if h is not None:
                    self._items.move_to_end(p.id)
        missing = [p.id for p, h in zip(points, held, strict=True) if h is None]
        fetched: dict[object, Hit] = {}
        if missing:
            for r in shard.retrieve(missing, True, [DENSE]):
                h = Hit.of(r.id, 0.0, r.payload, r.vector)
                if h.dense is not None:
                    h.dense.flags.writeable = False
                h.memo = {}
                fetched[r.id] = h
            if len(fetched) < len(set(missing)):
                return None
            with self._lock:
                self._items.update(fetched)
                while len(self._items) > self.maxsize:
                    self._items.popitem(last=False)
        out = []
        for p, h in zip(points, held, strict=True):
            point = h if h is not None else fetched[p.id]
            out.append(
                Hit(
                    id=point.id,
                    score=float(p.score),
                    payload=dict(point.payload),
                    dense=point.dense if with_dense else None,
                    memo=point.memo,
                )
            )
        return out
