"""Store interfaces shared by the Redis and in-process implementations."""

from __future__ import annotations

import time
from typing import Protocol

from pydantic import BaseModel, Field


class Turn(BaseModel):
    """One question/answer exchange of a conversation."""

    question: str
    query: str  # the standalone query retrieval used (rewritten follow-up, or the question itself)
    answer: str
    answer_id: str
    ts: float = Field(default_factory=time.time)


class ConversationStore(Protocol):
    """History per session: at most `max_turns` recent turns, expiring `ttl_s` after the last turn."""

    async def history(self, session_id: str, limit: int | None = None) -> list[Turn]: ...
    async def append(self, session_id: str, turn: Turn) -> None: ...
    async def clear(self, session_id: str) -> None: ...
    async def ping(self) -> bool: ...
    async def aclose(self) -> None: ...


class AnswerCache(Protocol):
    """String values with a time to live."""

    async def get(self, key: str) -> str | None: ...
    async def set(self, key: str, value: str, ttl_s: int | None = None) -> None: ...
    async def ping(self) -> bool: ...
    async def aclose(self) -> None: ...


class RateLimiter(Protocol):
    """Sliding-window limit: at most `limit` hits per `window_s` seconds per key."""

    async def hit(self, key: str, limit: int, window_s: float) -> tuple[bool, float]:
        """Count one hit. Returns (allowed, retry_after_s); a refused hit is not counted."""
        ...

    async def ping(self) -> bool: ...
    async def aclose(self) -> None: ...
