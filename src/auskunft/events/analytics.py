"""DuckDB queries over the event log: top questions, unanswered questions, feedback, latency.

Every function reads the JSON-lines files fresh (`read_json_auto` over the day files of every process),
returns plain rows (dicts) and closes its connection; `connect()` gives notebooks an `events` view.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def connect(events_dir: Path) -> tuple[duckdb.DuckDBPyConnection, bool]:
    """An in-memory DuckDB with a view `events` over the log; False when there are no events yet."""
    con = duckdb.connect()
    files = sorted(Path(events_dir).glob("events-*.jsonl"))
    if not files:
        return con, False
    listing = "[" + ", ".join(_quote(str(f)) for f in files) + "]"
    con.execute(
        f"CREATE VIEW events AS SELECT * FROM read_json_auto({listing}, format='newline_delimited', "  # noqa: S608 - quoted file paths
        "union_by_name=true, ignore_errors=true)"
    )
    return con, True


def _query(events_dir: Path, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    con, ok = connect(events_dir)
    try:
        if not ok:
            return []
        try:
            cur = con.execute(sql, params or [])
        except duckdb.BinderException:  # the kind of event the query needs was never logged
            return []
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()


def top_questions(events_dir: Path, limit: int = 20) -> list[dict]:
    return _query(
        events_dir,
        "SELECT lower(trim(question)) AS question, count(*) AS asked, "
        "round(avg(CASE WHEN found THEN 1 ELSE 0 END), 2) AS answered_share FROM events "
        "WHERE kind = 'chat' GROUP BY 1 ORDER BY asked DESC, question LIMIT ?",
        [limit],
    )


def unanswered(events_dir: Path, limit: int = 50) -> list[dict]:
    """Questions the documents did not answer (content gaps); failed turns are not counted."""
    return _query(
        events_dir,
        "SELECT lower(trim(question)) AS question, count(*) AS asked, max(ts) AS last_asked "
        "FROM events WHERE kind = 'chat' AND NOT found AND error IS NULL "
        "GROUP BY 1 ORDER BY asked DESC, question LIMIT ?",
        [limit],
    )


def feedback_summary(events_dir: Path) -> list[dict]:
    """Per rating ("up" / "down"): count, an example question and the visitors' comments."""
    return _query(
        events_dir,
        "SELECT f.rating, count(*) AS n, any_value(c.question) AS example_question, "
        "list(f.comment) FILTER (WHERE f.comment IS NOT NULL AND f.comment <> '') AS comments "
        "FROM events f LEFT JOIN events c ON c.kind = 'chat' AND c.answer_id = f.answer_id "
        "WHERE f.kind = 'feedback' GROUP BY 1 ORDER BY 1 DESC",
    )


def latency(events_dir: Path) -> list[dict]:
    """p50/p95 of the whole answer and of the time to the first token, per answer mode."""
    return _query(
        events_dir,
        "SELECT mode, count(*) AS n, "
        "round(quantile_cont(latency_ms, 0.5), 1) AS p50_ms, "
        "round(quantile_cont(latency_ms, 0.95), 1) AS p95_ms, "
        "round(quantile_cont(first_token_ms, 0.5), 1) AS first_token_p50_ms, "
        "round(quantile_cont(first_token_ms, 0.95), 1) AS first_token_p95_ms "
        "FROM events WHERE kind = 'chat' AND error IS NULL GROUP BY mode ORDER BY mode",
    )
