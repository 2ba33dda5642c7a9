"""Retrieval over the index: the `Retriever` seam, hybrid search and its LlamaIndex adapter."""

from auskunft.retrieval.base import Retriever
from auskunft.retrieval.llama import QdrantHybridRetriever, hit_from_node, to_node
from auskunft.retrieval.search import HybridSearcher, Mode, chunk_from_payload

__all__ = [
    "HybridSearcher",
    "Mode",
    "QdrantHybridRetriever",
    "Retriever",
    "chunk_from_payload",
    "hit_from_node",
    "to_node",
]
