"""The vector-store seam: the few operations the pipeline, the versions and the searcher use.

Two implementations: `QdrantStore` (a Qdrant server through qdrant-client; production) and `EdgeStore`
(qdrant-edge, Qdrant's engine in-process; the embedded default). Both store the same payloads under the same
point ids and run the same hybrid query: dense cosine + BM25 (IDF modifier) prefetches fused with weighted RRF.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

DENSE = "dense"
SPARSE = "bm25"
# keyword payload indexes every collection gets (the source filter needs one: 45 ms without, 1 ms with)
PAYLOAD_INDEXES = ("doc_id", "source", "url")


@dataclass(frozen=True)
class Where:
    """Payload conditions: each field in `any_of` holds one of its values; `exclude_ids` are left out."""

    any_of: Mapping[str, Sequence[str]] = field(default_factory=dict)
    exclude_ids: Sequence[str] = ()

    @classmethod
    def field(cls, key: str, *values: str) -> Where:
        return cls(any_of={key: list(values)})


@dataclass
class VectorPoint:
    id: str
    dense: list[float]
    sparse: tuple[list[int], list[float]]
    payload: dict


@dataclass
class Hit:
    id: str
    score: float
    payload: dict
    dense: np.ndarray | None = None  # the point's dense vector (float32), when the query asked for it
    # what a caller derives from this point's payload (the searcher's Chunk), shared by every hit of the point
    # in one generation of a read-only store (EdgeStore's readers: a published generation never changes);
    # None where hits are not shared (a writer's shard, a Qdrant server)
    memo: dict | None = None

    @classmethod
    def of(cls, point_id: object, score: float, payload: dict | None, vector: object) -> Hit:
        """From a scored point of either client (UUID ids become strings, named vectors a dict)."""
        vec = vector.get(DENSE) if isinstance(vector, dict) else None
        dense = np.asarray(vec, dtype=np.float32) if isinstance(vec, list) else None
        return cls(id=str(point_id), score=float(score), payload=dict(payload or {}), dense=dense)


@dataclass
class VectorQuery:
    """One search. `fusion`: RRF over a dense and (when `sparse` has terms) a BM25 prefetch, each
    `prefetch_limit` long; else a plain dense (or, without `dense`, BM25) nearest-neighbour search.
    `dense_threshold` is a minimum cosine for dense candidates."""

    limit: int
    dense: list[float] | None = None
    sparse: tuple[list[int], list[float]] | None = None
    fusion: bool = False
    prefetch_limit: int = 40
    where: Where | None = None
    dense_threshold: float | None = None
    rrf_k: int = 2
    weights: tuple[float, float] = (1.0, 1.0)
    with_dense: bool = False


class VectorStore(Protocol):
    """Collections (one per index version), aliases (the live version), points, one query."""

    def list_collections(self) -> list[str]: ...

    def create_collection(self, name: str, dim: int, metadata: dict) -> None: ...

    def delete_collection(self, name: str) -> None: ...

    def get_metadata(self, name: str) -> dict: ...

    def set_metadata(self, name: str, metadata: dict) -> None:
        """Set these keys of the collection's metadata (others stay, as in Qdrant)."""
        ...

    def get_alias(self, alias: str) -> str | None: ...

    def set_alias(self, alias: str, collection: str) -> None:
        """Point `alias` at `collection` in one atomic step."""
        ...

    def revision(self, name: str) -> str:
        """An id that changes whenever what `query(name)` searches changes (an update, an alias switch):
        answer caches key on it."""
        ...

    def count(self, collection: str, where: Where | None = None) -> int: ...

    def upsert(self, collection: str, points: Sequence[VectorPoint]) -> None: ...

    def delete(self, collection: str, where: Where) -> None: ...

    def scroll(
        self, collection: str, where: Where | None, fields: Sequence[str]
    ) -> Iterator[tuple[str, dict]]:
        """(point id, payload restricted to `fields`) of every matching point."""
        ...

    def scroll_dense(
        self, collection: str, fields: Sequence[str]
    ) -> Iterator[tuple[str, dict, np.ndarray | None]]:
        """(point id, payload restricted to `fields`, dense vector as float32) of every point."""
        ...

    def query(self, collection: str, q: VectorQuery) -> list[Hit]: ...

    def commit(self) -> None:
        """Make the writes so far visible to other processes (a no-op where every write is)."""
        ...

    def close(self) -> None: ...
