"""Chat: retrieval-augmented answers with citations, streamed as events."""

from auskunft.chat.engine import ChatEngine
from auskunft.chat.schemas import ChatAnswer, ChatRequest

__all__ = ["ChatAnswer", "ChatEngine", "ChatRequest"]
