"""The hybrid searcher as a LlamaIndex retriever, for llama-index users (the chat engine searches through
`auskunft.retrieval.Retriever`)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from auskunft.models import Chunk, RetrievedChunk
from auskunft.retrieval.search import HybridSearcher, Mode

_HIDDEN = ["url", "doc_id", "source", "crawled_at", "doc_sha256", "ordinal", "language", "dense_score"]


def to_node(hit: RetrievedChunk) -> NodeWithScore:
    """A hit as a TextNode (id = chunk id) whose metadata carries what citations need."""
    c = hit.chunk
    node = TextNode(
        id_=c.chunk_id,
        text=c.text,
        metadata={
            "url": c.url,
            "cite_url": c.cite_url,
            "title": c.title,
            "page": c.page,
            "heading_path": " › ".join(c.heading_path),
            "source": c.source,
            "doc_id": c.doc_id,
            "crawled_at": c.crawled_at.isoformat(),
            "doc_sha256": c.doc_sha256,
            "ordinal": c.ordinal,
            "language": c.language,
            "dense_score": hit.dense_score,
        },
        excluded_embed_metadata_keys=[*_HIDDEN, "cite_url"],
        excluded_llm_metadata_keys=_HIDDEN,
    )
    return NodeWithScore(node=node, score=hit.score)


def hit_from_node(node: NodeWithScore, rank: int) -> RetrievedChunk:
    """A LlamaIndex node (metadata as `to_node` writes it) as a RetrievedChunk."""
    md = node.node.metadata or {}
    heading = md.get("heading_path") or []
    chunk = Chunk(
        chunk_id=node.node.node_id,
        doc_id=str(md.get("doc_id") or md.get("url") or node.node.node_id),
        url=str(md.get("url") or ""),
        title=str(md.get("title") or ""),
        heading_path=heading.split(" › ") if isinstance(heading, str) else list(heading),
        page=md.get("page"),
        source=str(md.get("source") or ""),
        crawled_at=md.get("crawled_at") or datetime.fromtimestamp(0, UTC),
        doc_sha256=str(md.get("doc_sha256") or ""),
        ordinal=int(md.get("ordinal") or 0),
        text=node.node.get_content(),
        language=md.get("language"),
    )
    return RetrievedChunk(chunk=chunk, score=float(node.score or 0.0), rank=rank)


class QdrantHybridRetriever(BaseRetriever):
    """LlamaIndex retriever over `HybridSearcher`; `search()` gives the typed hits (and a per-call source filter)."""

    def __init__(
        self,
        searcher: HybridSearcher,
        *,
        top_k: int = 6,
        mode: Mode = "hybrid",
        prefetch_k: int = 40,
        score_threshold: float = 0.0,
        sources: list[str] | None = None,
    ) -> None:
        super().__init__()
        self.searcher = searcher
        self.top_k, self.mode, self.prefetch_k = top_k, mode, prefetch_k
        self.score_threshold, self.sources = score_threshold, sources

    def search(self, query: str, sources: list[str] | None = None) -> list[RetrievedChunk]:
        return self.searcher.search(
            query,
            top_k=self.top_k,
            mode=self.mode,
            prefetch_k=self.prefetch_k,
            score_threshold=self.score_threshold,
            sources=sources or self.sources,
        )

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return [to_node(h) for h in self.search(query_bundle.query_str)]

    async def _aretrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        # embedding and the Qdrant call block: keep them off the event loop
        return await asyncio.to_thread(self._retrieve, query_bundle)
