"""Conversation memory, answer cache and rate limits: Redis (multi-process) or in-process (one process)."""

from auskunft.stores.memory import (
    AnswerCache,
    ConversationStore,
    InProcessAnswerCache,
    InProcessConversationStore,
    InProcessRateLimiter,
    RateLimiter,
    RedisAnswerCache,
    RedisConversationStore,
    RedisRateLimiter,
    build_stores,
)

__all__ = [
    "AnswerCache",
    "ConversationStore",
    "InProcessAnswerCache",
    "InProcessConversationStore",
    "InProcessRateLimiter",
    "RateLimiter",
    "RedisAnswerCache",
    "RedisConversationStore",
    "RedisRateLimiter",
    "build_stores",
]
