"""The retrieval seam the chat engine uses: anything that searches and says which embedder it queries with."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from auskunft.models import RetrievedChunk
from auskunft.retrieval.search import Mode

if TYPE_CHECKING:
    from auskunft.index import Embedder


@runtime_checkable
class Retriever(Protocol):
    """`HybridSearcher` is one; `RerankingRetriever` wraps one; tests use a keyword retriever over fixed
    passages. `embedder`: the query embedder (started with the engine, shared with curated answers), or None."""

    @property
    def embedder(self) -> Embedder | None: ...

    def search(
        self,
        query: str,
        *,
        top_k: int = 6,
        mode: Mode = "hybrid",
        prefetch_k: int = 40,
        score_threshold: float = 0.0,
        sources: list[str] | None = None,
    ) -> list[RetrievedChunk]: ...
