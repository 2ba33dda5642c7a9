"""Chat: retrieval-augmented answers with citations, streamed as events."""

from auskunft.chat.engine import ChatAnswer, ChatEngine, ChatRequest

__all__ = ["ChatAnswer", "ChatEngine", "ChatRequest"]
