"""Retrieval over the index: hybrid search and its LlamaIndex retriever."""

from auskunft.retrieval.llama import QdrantHybridRetriever, to_node
from auskunft.retrieval.search import HybridSearcher, Mode, chunk_from_payload

__all__ = ["HybridSearcher", "Mode", "QdrantHybridRetriever", "chunk_from_payload", "to_node"]
