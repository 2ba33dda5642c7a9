"""Store implementations. Redis ones are safe across processes and hosts, SQLite ones (stores.sqlite) across
the processes of one host; in-process ones are not."""

from __future__ import annotations

import json
import math
import threading
import time
import uuid
from collections import OrderedDict, deque
from pathlib import Path
from typing import Protocol

import redis.asyncio as aioredis

from auskunft.stores.turns import user_turn as _user_turn

PREFIX = "auskunft:"


class ConversationStore(Protocol):
    async def history(self, session_id: str) -> list[dict[str, str]]: ...
    async def append(
        self, session_id: str, user: str, assistant: str, *, query: str | None = None
    ) -> None: ...
    async def clear(self, session_id: str) -> None: ...
    async def issue_answer(self, answer_id: str, ttl_s: int) -> None: ...
    async def redeem_answer(self, answer_id: str) -> bool: ...


class AnswerCache(Protocol):
    async def get(self, key: str) -> dict | None: ...
    async def set(self, key: str, value: dict) -> None: ...


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: int, window_s: int) -> tuple[bool, int]: ...


# ----------------------------------------------------------------------------------------- in-process
class _TTLDict:
    def __init__(self, ttl_s: int, max_items: int = 10_000) -> None:
        self.ttl_s, self.max_items = ttl_s, max_items
        self._data: OrderedDict[str, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> object | None:
        with self._lock:
            item = self._data.get(key)
            if item is None or item[0] < time.monotonic():
                self._data.pop(key, None)
                return None
            self._data.move_to_end(key)
            return item[1]

    def set(self, key: str, value: object, ttl_s: float | None = None) -> None:
        with self._lock:
            self._data[key] = (time.monotonic() + (ttl_s or self.ttl_s), value)
            self._data.move_to_end(key)
            while len(self._data) > self.max_items:
                self._data.popitem(last=False)

    def pop(self, key: str) -> object | None:
        """Remove and return a live entry (None when absent or expired): atomic, so a value is taken once."""
        with self._lock:
            item = self._data.pop(key, None)
            return item[1] if item is not None and item[0] >= time.monotonic() else None


class InProcessConversationStore:
    def __init__(self, ttl_s: int = 3600, max_turns: int = 6, max_answers: int = 200_000) -> None:
        self._d = _TTLDict(ttl_s)
        self._answers = _TTLDict(ttl_s, max_answers)  # ids open for feedback (~150 bytes each)
        self.max_turns = max_turns

    async def history(self, session_id: str) -> list[dict[str, str]]:
        return list(self._d.get(session_id) or [])  # type: ignore[call-overload]

    async def append(self, session_id: str, user: str, assistant: str, *, query: str | None = None) -> None:
        turns = await self.history(session_id)
        turns += [_user_turn(user, query), {"role": "assistant", "content": assistant}]
        self._d.set(session_id, turns[-2 * self.max_turns :])

    async def clear(self, session_id: str) -> None:
        self._d.pop(session_id)

    async def issue_answer(self, answer_id: str, ttl_s: int) -> None:
        self._answers.set(answer_id, True, ttl_s)

    async def redeem_answer(self, answer_id: str) -> bool:
        return self._answers.pop(answer_id) is not None

    async def ping(self) -> bool:
        return True


class InProcessAnswerCache:
    def __init__(self, ttl_s: int = 3600) -> None:
        self._d = _TTLDict(ttl_s)

    async def get(self, key: str) -> dict | None:
        return self._d.get(key)  # type: ignore[return-value]

    async def set(self, key: str, value: dict) -> None:
        self._d.set(key, value)


class InProcessRateLimiter:
    """Sliding window per key (a refused hit is not counted)."""

    def __init__(self, max_keys: int = 50_000) -> None:
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self.max_keys = max_keys

    async def hit(self, key: str, limit: int, window_s: int) -> tuple[bool, int]:
        now = time.monotonic()
        with self._lock:
            if len(self._hits) > self.max_keys:  # forget visitors whose windows have passed
                self._hits = {k: q for k, q in self._hits.items() if q and q[-1] > now - window_s}
            q = self._hits.setdefault(key, deque())
            while q and q[0] <= now - window_s:
                q.popleft()
            if len(q) >= limit:
                return False, max(1, math.ceil((q[0] if q else now) + window_s - now))
            q.append(now)
            return True, 0


# ----------------------------------------------------------------------------------------- Redis
class RedisConversationStore:
    def __init__(self, client: aioredis.Redis, ttl_s: int = 3600, max_turns: int = 6) -> None:
        self.r, self.ttl_s, self.max_turns = client, ttl_s, max_turns

    def _key(self, session_id: str) -> str:
        return f"{PREFIX}conv:{session_id}"

    async def history(self, session_id: str) -> list[dict[str, str]]:
        raw = await self.r.lrange(self._key(session_id), 0, -1)
        return [json.loads(x) for x in raw]

    async def append(self, session_id: str, user: str, assistant: str, *, query: str | None = None) -> None:
        key = self._key(session_id)
        async with self.r.pipeline(transaction=True) as pipe:
            pipe.rpush(
                key,
                json.dumps(_user_turn(user, query)),
                json.dumps({"role": "assistant", "content": assistant}),
            )
            pipe.ltrim(key, -2 * self.max_turns, -1)
            pipe.expire(key, self.ttl_s)
            await pipe.execute()

    async def clear(self, session_id: str) -> None:
        await self.r.delete(self._key(session_id))

    async def issue_answer(self, answer_id: str, ttl_s: int) -> None:
        await self.r.set(f"{PREFIX}answer:{answer_id}", "1", ex=max(1, ttl_s))

    async def redeem_answer(self, answer_id: str) -> bool:
        """DEL is atomic: of two concurrent ratings of one answer exactly one gets 1."""
        return bool(await self.r.delete(f"{PREFIX}answer:{answer_id}"))

    async def ping(self) -> bool:
        try:
            return bool(await self.r.ping())
        except Exception:  # noqa: BLE001 - readiness reports, never raises
            return False


class RedisAnswerCache:
    def __init__(self, client: aioredis.Redis, ttl_s: int = 3600) -> None:
        self.r, self.ttl_s = client, ttl_s

    async def get(self, key: str) -> dict | None:
        raw = await self.r.get(f"{PREFIX}ans:{key}")
        return json.loads(raw) if raw else None

    async def set(self, key: str, value: dict) -> None:
        await self.r.set(f"{PREFIX}ans:{key}", json.dumps(value), ex=self.ttl_s)


# Sliding-window log in one sorted set per key, atomic inside Redis. The clock is Redis' own (TIME), so
# processes on hosts with skewed clocks agree. Returns {allowed, retry_after_ms}; a refused hit is not counted.
_HIT_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local retry = window
if oldest[2] then retry = tonumber(oldest[2]) + window - now end
if retry < 1 then retry = 1 end
return {0, retry}
"""


class RedisRateLimiter:
    """Sliding window shared by every process and host that uses the same Redis."""

    def __init__(self, client: aioredis.Redis) -> None:
        self.r = client

    async def hit(self, key: str, limit: int, window_s: int) -> tuple[bool, int]:
        window_ms = max(int(window_s * 1000), 1)
        allowed, retry_ms = await self.r.eval(  # type: ignore[misc]
            _HIT_SCRIPT, 1, f"{PREFIX}rl:{key}", window_ms, limit, uuid.uuid4().hex
        )
        return bool(int(allowed)), 0 if int(allowed) else max(1, math.ceil(int(retry_ms) / 1000))


def build_stores(  # noqa: ANN201
    redis_url: str,
    *,
    session_ttl_s: int,
    cache_ttl_s: int,
    max_turns: int,
    state_path: Path | None = None,
):
    """(conversations, cache, limiter, redis client or None): Redis when `redis_url` is set, else the SQLite
    file `state_path` (shared by every service process on the host), else in-process (one process only)."""
    if redis_url:
        client = aioredis.from_url(
            redis_url, decode_responses=True, socket_timeout=2, socket_connect_timeout=2
        )
        return (
            RedisConversationStore(client, session_ttl_s, max_turns),
            RedisAnswerCache(client, cache_ttl_s),
            RedisRateLimiter(client),
            client,
        )
    if state_path is not None:
        from auskunft.stores.sqlite import (
            SqliteAnswerCache,
            SqliteConversationStore,
            SqliteRateLimiter,
            SqliteState,
        )

        state = SqliteState(state_path)
        return (
            SqliteConversationStore(state, session_ttl_s, max_turns),
            SqliteAnswerCache(state, cache_ttl_s),
            SqliteRateLimiter(state),
            None,
        )
    return (
        InProcessConversationStore(session_ttl_s, max_turns),
        InProcessAnswerCache(cache_ttl_s),
        InProcessRateLimiter(),
        None,
    )
