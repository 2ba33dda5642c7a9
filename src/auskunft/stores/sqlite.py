"""Conversation memory, answer cache, issued feedback ids and rate-limit windows in one SQLite file under
DATA_DIR: what several service processes on one host must share when there is no Redis (the embedded default).

WAL mode: readers never wait for the writer, a write is one short transaction (no fsync per commit with
synchronous=NORMAL; a crash of the machine may lose the last moments, not corrupt the file). Every write that
must be atomic across processes is one statement or one IMMEDIATE transaction: a feedback id is redeemed by a
DELETE (rowcount 1 for exactly one caller), a rate-limit hit counts and inserts under the write lock. Clocks
are the host's wall clock, the same for every process on it. Expired rows are pruned every `prune_every_s`.
Calls are synchronous and take tens of microseconds; the async methods run them on the caller's loop.
"""

from __future__ import annotations

import json
import math
import sqlite3
import threading
import time
import uuid
from pathlib import Path

from auskunft.stores.turns import user_turn as _user_turn

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (session_id TEXT PRIMARY KEY, turns TEXT NOT NULL, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS answers (answer_id TEXT PRIMARY KEY, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS cache (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS hits (key TEXT NOT NULL, expires REAL NOT NULL, id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS hits_key ON hits (key, expires);
"""


class SqliteState:
    """One connection to DATA_DIR/state.db per process, shared by the three stores (thread-safe)."""

    def __init__(self, path: Path, *, busy_timeout_s: float = 5.0, prune_every_s: float = 60.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(
            self.path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
        )
        self._lock = threading.Lock()
        self.prune_every_s = prune_every_s
        self._pruned = time.time()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)

    def execute(self, sql: str, args: tuple = ()) -> sqlite3.Cursor:
        with self._lock:
            self._maybe_prune()
            return self._db.execute(sql, args)

    def immediate(self, fn):  # noqa: ANN001,ANN201 - fn(connection) -> result, inside one write transaction
        with self._lock:
            self._maybe_prune()
            self._db.execute("BEGIN IMMEDIATE")
            try:
                result = fn(self._db)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            return result

    def _maybe_prune(self) -> None:
        now = time.time()
        if now - self._pruned < self.prune_every_s:
            return
        self._pruned = now
        for table in ("conversations", "answers", "cache", "hits"):
            self._db.execute(f"DELETE FROM {table} WHERE expires < ?", (now,))  # noqa: S608 - fixed names

    def ping(self) -> bool:
        try:
            self.execute("SELECT 1").fetchone()
            return True
        except sqlite3.Error:
            return False

    def close(self) -> None:
        with self._lock:
            self._db.close()


class SqliteConversationStore:
    def __init__(self, state: SqliteState, ttl_s: int = 3600, max_turns: int = 6) -> None:
        self.state, self.ttl_s, self.max_turns = state, ttl_s, max_turns

    async def history(self, session_id: str) -> list[dict[str, str]]:
        row = self.state.execute(
            "SELECT turns FROM conversations WHERE session_id = ? AND expires >= ?", (session_id, time.time())
        ).fetchone()
        return json.loads(row[0]) if row else []

    async def append(self, session_id: str, user: str, assistant: str, *, query: str | None = None) -> None:
        new = [_user_turn(user, query), {"role": "assistant", "content": assistant}]

        def tx(db: sqlite3.Connection) -> None:
            now = time.time()
            row = db.execute(
                "SELECT turns FROM conversations WHERE session_id = ? AND expires >= ?", (session_id, now)
            ).fetchone()
            turns = (json.loads(row[0]) if row else []) + new
            db.execute(
                "INSERT OR REPLACE INTO conversations VALUES (?, ?, ?)",
                (session_id, json.dumps(turns[-2 * self.max_turns :]), now + self.ttl_s),
            )

        self.state.immediate(tx)

    async def clear(self, session_id: str) -> None:
        self.state.execute("DELETE FROM conversations WHERE session_id = ?", (session_id,))

    async def issue_answer(self, answer_id: str, ttl_s: int) -> None:
        self.state.execute(
            "INSERT OR REPLACE INTO answers VALUES (?, ?)", (answer_id, time.time() + max(1, ttl_s))
        )

    async def redeem_answer(self, answer_id: str) -> bool:
        """One DELETE: of two concurrent ratings of one answer (any processes) exactly one gets the row."""
        cur = self.state.execute(
            "DELETE FROM answers WHERE answer_id = ? AND expires >= ?", (answer_id, time.time())
        )
        return cur.rowcount == 1

    async def ping(self) -> bool:
        return self.state.ping()


class SqliteAnswerCache:
    def __init__(self, state: SqliteState, ttl_s: int = 3600) -> None:
        self.state, self.ttl_s = state, ttl_s

    async def get(self, key: str) -> dict | None:
        row = self.state.execute(
            "SELECT value FROM cache WHERE key = ? AND expires >= ?", (key, time.time())
        ).fetchone()
        return json.loads(row[0]) if row else None

    async def set(self, key: str, value: dict) -> None:
        self.state.execute(
            "INSERT OR REPLACE INTO cache VALUES (?, ?, ?)",
            (key, json.dumps(value, default=str), time.time() + self.ttl_s),
        )


class SqliteRateLimiter:
    """Sliding window per key, shared by every process using the file (a refused hit is not counted)."""

    def __init__(self, state: SqliteState) -> None:
        self.state = state

    async def hit(self, key: str, limit: int, window_s: int) -> tuple[bool, int]:
        def tx(db: sqlite3.Connection) -> tuple[bool, int]:
            now = time.time()
            db.execute("DELETE FROM hits WHERE key = ? AND expires <= ?", (key, now))
            count, oldest = db.execute(
                "SELECT COUNT(*), MIN(expires) FROM hits WHERE key = ?", (key,)
            ).fetchone()
            if count >= limit:
                return False, max(1, math.ceil((oldest or now + window_s) - now))
            db.execute("INSERT INTO hits VALUES (?, ?, ?)", (key, now + window_s, uuid.uuid4().hex))
            return True, 0

        return self.state.immediate(tx)
