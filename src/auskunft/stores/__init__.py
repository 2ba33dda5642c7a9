"""Conversation memory, answer cache and rate limits: Redis (many hosts), SQLite under DATA_DIR (the processes
of one host: the embedded default) or in-process (one process)."""

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
from auskunft.stores.sqlite import (
    SqliteAnswerCache,
    SqliteConversationStore,
    SqliteRateLimiter,
    SqliteState,
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
    "SqliteAnswerCache",
    "SqliteConversationStore",
    "SqliteRateLimiter",
    "SqliteState",
    "build_stores",
]
