"""Conversation memory, answer cache and rate limits: in-process and against a real redis-server."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest
import pytest_asyncio
import redis.asyncio as aioredis

from auskunft.stores import (
    InProcessAnswerCache,
    InProcessConversationStore,
    InProcessRateLimiter,
    RedisAnswerCache,
    RedisConversationStore,
    RedisRateLimiter,
    SqliteAnswerCache,
    SqliteConversationStore,
    SqliteRateLimiter,
    SqliteState,
)


@pytest_asyncio.fixture(params=["in-process", "redis", "sqlite"])
async def stores(request: pytest.FixtureRequest, tmp_path: Path):  # noqa: ANN201
    if request.param == "sqlite":
        state = SqliteState(tmp_path / "state.db")
        yield (
            SqliteConversationStore(state, ttl_s=1, max_turns=3),
            SqliteAnswerCache(state, ttl_s=1),
            SqliteRateLimiter(state),
        )
        state.close()
        return
    if request.param == "in-process":
        yield (
            InProcessConversationStore(ttl_s=1, max_turns=3),
            InProcessAnswerCache(ttl_s=1),
            InProcessRateLimiter(),
        )
        return
    url = request.getfixturevalue("redis_url")
    client = aioredis.from_url(url, decode_responses=True)
    yield (
        RedisConversationStore(client, ttl_s=1, max_turns=3),
        RedisAnswerCache(client, ttl_s=1),
        RedisRateLimiter(client),
    )
    await client.aclose()


@pytest.mark.asyncio
async def test_history_is_bounded_per_session_and_expires(stores) -> None:
    memory, _, _ = stores
    sid, other = uuid.uuid4().hex, uuid.uuid4().hex
    for i in range(5):
        await memory.append(sid, f"q{i}", f"a{i}", query=f"standalone q{i}" if i == 4 else None)
    await memory.append(other, "x", "y")
    history = await memory.history(sid)
    assert [t["content"] for t in history] == ["q2", "a2", "q3", "a3", "q4", "a4"]
    assert history[-2]["query"] == "standalone q4" and "query" not in history[0]
    assert len(await memory.history(other)) == 2
    await memory.clear(other)
    assert await memory.history(other) == []
    await asyncio.sleep(1.3)
    assert await memory.history(sid) == []


@pytest.mark.asyncio
async def test_cache_round_trip_and_ttl(stores) -> None:
    _, cache, _ = stores
    key = uuid.uuid4().hex
    assert await cache.get(key) is None
    value = {
        "answer": "Am 30. April [1].",
        "citations": [{"n": 1, "url": "https://x.example/a"}],
        "found": True,
    }
    await cache.set(key, value)
    assert await cache.get(key) == value
    await asyncio.sleep(1.3)
    assert await cache.get(key) is None


@pytest.mark.asyncio
async def test_rate_limiter_sliding_window(stores) -> None:
    _, _, limiter = stores
    key = f"ip:{uuid.uuid4().hex}"
    results = [await limiter.hit(key, 3, 1) for _ in range(4)]
    assert [a for a, _ in results] == [True, True, True, False]
    assert results[-1][1] >= 1
    assert (await limiter.hit(f"other:{uuid.uuid4().hex}", 3, 1))[0]  # keys are independent
    await asyncio.sleep(1.1)
    assert (await limiter.hit(key, 3, 1))[0]  # the window slid on


@pytest.mark.asyncio
async def test_rate_limit_is_shared_by_two_clients(redis_url: str) -> None:
    """Two service processes = two Redis clients: the limit holds across both."""
    a, b = aioredis.from_url(redis_url), aioredis.from_url(redis_url)
    try:
        la, lb = RedisRateLimiter(a), RedisRateLimiter(b)
        key = f"ip:{uuid.uuid4().hex}"
        results = await asyncio.gather(*[(la if i % 2 else lb).hit(key, 5, 60) for i in range(12)])
        assert sum(ok for ok, _ in results) == 5
        assert all(retry > 0 for ok, retry in results if not ok)
    finally:
        await a.aclose()
        await b.aclose()


def test_rate_limit_across_os_processes(redis_url: str) -> None:
    key = f"ip:{uuid.uuid4().hex}"
    script = textwrap.dedent(f"""
        import asyncio, redis.asyncio as r
        from auskunft.stores import RedisRateLimiter
        async def main():
            c = r.from_url({redis_url!r})
            lim = RedisRateLimiter(c)
            ok = [ (await lim.hit({key!r}, 7, 60))[0] for _ in range(6) ]
            await c.aclose()
            print(sum(ok))
        asyncio.run(main())
    """)
    procs = [
        subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) for _ in range(2)
    ]
    allowed = [int(p.communicate(timeout=60)[0].strip()) for p in procs]
    assert sum(allowed) == 7 and all(p.returncode == 0 for p in procs)


def test_in_process_limiter_is_thread_safe() -> None:
    limiter = InProcessRateLimiter()

    async def burst() -> int:
        return sum([(await limiter.hit("k", 50, 60))[0] for _ in range(40)])

    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        total = sum(pool.map(lambda _: asyncio.run(burst()), range(4)))
    assert total == 50
    t0 = time.monotonic()
    assert not asyncio.run(limiter.hit("k", 50, 60))[0] and time.monotonic() - t0 < 0.5


@pytest.mark.asyncio
async def test_in_process_limiter_forgets_idle_keys_and_handles_zero_limit() -> None:
    limiter = InProcessRateLimiter(max_keys=10)
    for i in range(30):
        await limiter.hit(f"ip:{i}", 5, 0.05)  # type: ignore[arg-type]
    await asyncio.sleep(0.1)
    await limiter.hit("ip:new", 5, 0.05)  # type: ignore[arg-type]
    assert set(limiter._hits) == {"ip:new"}
    assert await limiter.hit("blocked", 0, 60) == (False, 60)


# ------------------------------------------------------------------------ SQLite: the processes of one host
_SQLITE_WORKER = """
import asyncio, sys
from pathlib import Path
from auskunft.stores import SqliteConversationStore, SqliteRateLimiter, SqliteState
async def main():
    state = SqliteState(Path(sys.argv[1]))
    lim, memory = SqliteRateLimiter(state), SqliteConversationStore(state)
    allowed = sum([(await lim.hit("ip:shared", 25, 60))[0] for _ in range(20)])
    redeemed = sum([await memory.redeem_answer(f"a{i}") for i in range(40)])
    await memory.append("s1", "frage " + sys.argv[2], "antwort")
    print(allowed, redeemed)
asyncio.run(main())
"""


def test_sqlite_state_is_shared_by_os_processes(tmp_path: Path) -> None:
    """Four service processes on one DATA_DIR: one rate-limit window, each feedback id redeemed once, one
    conversation (a follow-up may reach any process)."""
    db = tmp_path / "state.db"
    state = SqliteState(db)
    memory = SqliteConversationStore(state, max_turns=10)
    for i in range(40):
        asyncio.run(memory.issue_answer(f"a{i}", 60))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _SQLITE_WORKER, str(db), str(n)], stdout=subprocess.PIPE, text=True
        )
        for n in range(4)
    ]
    out = [p.communicate(timeout=120)[0].split() for p in procs]
    assert all(p.returncode == 0 for p in procs), out
    assert sum(int(a) for a, _ in out) == 25  # 80 hits on one key with a limit of 25
    assert sum(int(r) for _, r in out) == 40  # every id redeemed exactly once across the processes
    turns = asyncio.run(memory.history("s1"))
    assert sorted(t["content"] for t in turns if t["role"] == "user") == [f"frage {n}" for n in range(4)]
    state.close()
