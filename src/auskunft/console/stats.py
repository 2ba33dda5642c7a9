"""Console analytics over the chat event log (DuckDB via auskunft.events.analytics), the unanswered-
questions report, CSV export and retention of the log files."""

from __future__ import annotations

import csv
import io
import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from auskunft.console.curated import key_terms
from auskunft.events.analytics import connect

log = logging.getLogger(__name__)
_DAY_FILE = re.compile(r"^events-(\d{4}-\d{2}-\d{2})-\d+\.jsonl$")


# every column the queries use, with its type: a log that never had e.g. feedback still answers
COLUMNS = {
    "ts": "VARCHAR",
    "kind": "VARCHAR",
    "answer_id": "VARCHAR",
    "question": "VARCHAR",
    "found": "BOOLEAN",
    "error": "VARCHAR",
    "mode": "VARCHAR",
    "latency_ms": "DOUBLE",
    "lang": "VARCHAR",
    "index_version": "VARCHAR",
    "rating": "VARCHAR",
    "comment": "VARCHAR",
    "retrieved": "VARCHAR[]",
    "answer": "VARCHAR",
}


def _rows(events_dir: Path, sql: str, params: list | None = None) -> list[dict]:
    """Run `sql` over the view `ev` (the event log with every column in COLUMNS present)."""
    con, ok = connect(events_dir)
    try:
        if not ok:
            return []
        have = {r[0] for r in con.execute("DESCRIBE events").fetchall()}
        extra = ", ".join(f"CAST(NULL AS {t}) AS {c}" for c, t in COLUMNS.items() if c not in have)
        con.execute("CREATE VIEW ev AS SELECT *" + (", " + extra if extra else "") + " FROM events")  # noqa: S608 - fixed names
        cur = con.execute(sql, params or [])
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()


@dataclass
class Overview:
    days: list[dict] = field(default_factory=list)  # {"day": date, "asked": n, "answered": n}
    asked: int = 0
    answered: int = 0
    not_found: int = 0
    failed: int = 0
    curated: int = 0
    feedback_up: int = 0
    feedback_down: int = 0
    p50_ms: float | None = None
    p95_ms: float | None = None

    def share(self, n: int) -> float:
        return n / self.asked if self.asked else 0.0


def overview(events_dir: Path, days: int = 30, today: date | None = None) -> Overview:
    today = today or datetime.now(UTC).date()
    since = today - timedelta(days=days - 1)
    out = Overview()
    per_day = {
        r["day"]: r
        for r in _rows(
            events_dir,
            "SELECT substr(CAST(ts AS VARCHAR), 1, 10) AS day, count(*) AS asked, "
            "count(*) FILTER (WHERE found AND error IS NULL) AS answered FROM ev "
            "WHERE kind = 'chat' AND substr(CAST(ts AS VARCHAR), 1, 10) >= ? GROUP BY 1",
            [since.isoformat()],
        )
    }
    for i in range(days):
        d = (since + timedelta(days=i)).isoformat()
        r = per_day.get(d, {})
        out.days.append({"day": d, "asked": int(r.get("asked", 0)), "answered": int(r.get("answered", 0))})
    totals = _rows(
        events_dir,
        "SELECT count(*) AS asked, count(*) FILTER (WHERE found AND error IS NULL) AS answered, "
        "count(*) FILTER (WHERE NOT found AND error IS NULL) AS not_found, "
        "count(*) FILTER (WHERE error IS NOT NULL) AS failed, "
        "count(*) FILTER (WHERE mode = 'curated') AS curated, "
        "quantile_cont(latency_ms, 0.5) FILTER (WHERE error IS NULL) AS p50, "
        "quantile_cont(latency_ms, 0.95) FILTER (WHERE error IS NULL) AS p95 "
        "FROM ev WHERE kind = 'chat' AND substr(CAST(ts AS VARCHAR), 1, 10) >= ?",
        [since.isoformat()],
    )
    if totals:
        t = totals[0]
        out.asked, out.answered, out.not_found = int(t["asked"]), int(t["answered"]), int(t["not_found"])
        out.failed, out.curated = int(t["failed"]), int(t["curated"])
        out.p50_ms = round(t["p50"], 1) if t["p50"] is not None else None
        out.p95_ms = round(t["p95"], 1) if t["p95"] is not None else None
    for r in _rows(
        events_dir,
        "SELECT rating, count(*) AS n FROM ev WHERE kind = 'feedback' "
        "AND substr(CAST(ts AS VARCHAR), 1, 10) >= ? GROUP BY 1",
        [since.isoformat()],
    ):
        if r["rating"] == "up":
            out.feedback_up = int(r["n"])
        elif r["rating"] == "down":
            out.feedback_down = int(r["n"])
    return out


# ------------------------------------------------------------------------------------ knowledge gaps
@dataclass
class GapGroup:
    key: str  # normalised wording of the most asked variant (what "done" is recorded under)
    question: str
    variants: Counter = field(default_factory=Counter)
    asked: int = 0
    not_found: int = 0
    thumbs_down: int = 0
    comments: list[str] = field(default_factory=list)
    retrieved: Counter = field(default_factory=Counter)
    last_asked: str = ""
    terms: set[str] = field(default_factory=set)
    done: bool = False
    answer: str = ""  # what the bot answered last time (empty in logs from before answers were logged)
    mode: str = ""
    answer_id: int | None = None  # the curated answer that closed the group
    keys: set[str] = field(default_factory=set)  # normalised wordings in the group (merge targets)


def normalise(question: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", question.lower()).split())[:500]


_GAP_SQL = (
    "SELECT c.question, CAST(c.ts AS VARCHAR) AS ts, NOT c.found AS not_found, f.rating, f.comment, "
    "c.retrieved, c.answer, c.mode FROM ev c "
    "LEFT JOIN ev f ON f.kind = 'feedback' AND f.answer_id = c.answer_id "
    "WHERE c.kind = 'chat' AND c.error IS NULL AND (NOT c.found OR f.rating = 'down') "
    "AND substr(CAST(c.ts AS VARCHAR), 1, 10) >= ?"
)


def knowledge_gaps(
    events_dir: Path,
    done: dict[str, tuple[datetime, int | None]],
    days: int = 90,
    *,
    same: Callable[[str, str], bool] | None = None,
    merges: dict[str, str] | None = None,
) -> list[GapGroup]:
    """Questions the bot could not answer or that got thumbs down, grouped: `same(a, b)` says whether two
    questions ask the same (auskunft.console.matching by meaning; without it: shared key terms), `merges`
    (normalised wording -> normalised wording) are the groups editors put together by hand. Most asked
    first. A group is `done` when marked done after it was last asked."""
    since = (datetime.now(UTC).date() - timedelta(days=days)).isoformat()
    rows = _rows(events_dir, _GAP_SQL, [since])
    merges = merges or {}
    groups: list[GapGroup] = []
    by_key: dict[str, GapGroup] = {}
    for r in sorted(rows, key=lambda r: r["ts"]):
        text = (r["question"] or "").strip()
        if not text:
            continue
        key = normalise(text)
        group = by_key.get(key)
        target = _merge_target(key, merges)
        if group is None and target != key:
            group = by_key.get(target)
        if group is None:
            terms = key_terms(text)
            group = next(
                (
                    g
                    for g in groups
                    if (same(text, g.question) if same is not None else _similar(terms, g.terms))
                ),
                None,
            )
        if group is None:
            group = GapGroup(key=key, question=text, terms=set(key_terms(text)))
            groups.append(group)
        by_key[key] = group
        group.keys.add(key)
        group.variants[text] += 1
        group.asked += 1
        group.not_found += bool(r["not_found"])
        group.thumbs_down += r["rating"] == "down"
        if r["comment"]:
            group.comments.append(str(r["comment"]))
        for url in r["retrieved"] or []:
            group.retrieved[url] += 1
        if r["ts"] >= group.last_asked:
            group.answer, group.mode = r.get("answer") or "", r.get("mode") or ""
        group.last_asked = max(group.last_asked, r["ts"])
    for g in groups:
        g.question = g.variants.most_common(1)[0][0]
        g.key = normalise(g.question)
        marks = [done[k] for k in g.keys if k in done]
        if marks:
            at, answer_id = max(marks, key=lambda m: m[0])
            g.done = at.isoformat() >= _iso(g.last_asked)
            g.answer_id = answer_id if g.done else None
    groups.sort(key=lambda g: (-g.asked, g.question))
    return groups


def _merge_target(key: str, merges: dict[str, str]) -> str:
    seen = {key}
    while key in merges and merges[key] not in seen:
        key = merges[key]
        seen.add(key)
    return key


def _iso(ts: str) -> str:
    try:
        return datetime.fromisoformat(ts.replace(" ", "T")).astimezone(UTC).isoformat()
    except ValueError:
        return ts


def _similar(a: set[str], b: set[str]) -> bool:
    if not a or not b:
        return a == b
    return len(a & b) / len(a | b) >= 0.5


# ------------------------------------------------------------------------------------ export, retention
CSV_COLUMNS = ["ts", "question", "found", "mode", "latency_ms", "lang", "index_version", "rating", "comment"]


def questions_csv(events_dir: Path, days: int = 365) -> str:
    """The visitors' questions with outcome and feedback; no session, client or IP fields."""
    since = (datetime.now(UTC).date() - timedelta(days=days)).isoformat()
    rows = _rows(
        events_dir,
        "SELECT CAST(c.ts AS VARCHAR) AS ts, c.question, c.found, c.mode, c.latency_ms, c.lang, "
        "c.index_version, f.rating, f.comment FROM ev c "
        "LEFT JOIN ev f ON f.kind = 'feedback' AND f.answer_id = c.answer_id "
        "WHERE c.kind = 'chat' AND substr(CAST(c.ts AS VARCHAR), 1, 10) >= ? ORDER BY c.ts",
        [since],
    )
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: _cell(r.get(k)) for k in CSV_COLUMNS})
    return buf.getvalue()


def _cell(v: Any) -> Any:
    """Neutralise spreadsheet formulas in visitor text (CSV injection)."""
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v


def apply_retention(events_dir: Path, days: int, today: date | None = None) -> list[Path]:
    """Delete event log day files older than `days` (0: keep everything); returns the deleted files."""
    if days <= 0:
        return []
    cutoff = (today or datetime.now(UTC).date()) - timedelta(days=days)
    deleted = []
    for f in sorted(Path(events_dir).glob("events-*.jsonl")):
        m = _DAY_FILE.match(f.name)
        if m and date.fromisoformat(m.group(1)) < cutoff:
            f.unlink(missing_ok=True)
            deleted.append(f)
    if deleted:
        log.info("retention: deleted %d chat log files older than %d days", len(deleted), days)
    return deleted
