"""DuckDB queries over the event log: top questions, unanswered questions, feedback, latency."""

from __future__ import annotations

from pathlib import Path

import duckdb


def _connect(events_dir: Path) -> tuple[duckdb.DuckDBPyConnection, bool]:
    con = duckdb.connect()
    files = sorted(Path(events_dir).glob("events-*.jsonl"))
    if not files:
        return con, False
    con.execute(
        "CREATE VIEW events AS SELECT * FROM read_json_auto(?, format='newline_delimited', union_by_name=true, "
        "ignore_errors=true)", [[str(f) for f in files]])
    return con, True


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def top_questions(events_dir: Path, limit: int = 20) -> list[dict]:
    con, ok = _connect(events_dir)
    if not ok:
        return []
    return _rows(con, "SELECT lower(trim(question)) AS question, count(*) AS asked, "
                      "round(avg(CASE WHEN found THEN 1 ELSE 0 END), 2) AS answered_share FROM events "
                      "WHERE kind = 'chat' GROUP BY 1 ORDER BY asked DESC, question LIMIT ?", [limit])


def unanswered(events_dir: Path, limit: int = 50) -> list[dict]:
    con, ok = _connect(events_dir)
    if not ok:
        return []
    return _rows(con, "SELECT lower(trim(question)) AS question, count(*) AS asked, max(ts) AS last_asked FROM events "
                      "WHERE kind = 'chat' AND NOT found GROUP BY 1 ORDER BY asked DESC LIMIT ?", [limit])


def feedback_summary(events_dir: Path) -> list[dict]:
    con, ok = _connect(events_dir)
    if not ok:
        return []
    return _rows(con, "SELECT f.rating, count(*) AS n, any_value(c.question) AS example_question, "
                      "list(f.comment) FILTER (WHERE f.comment IS NOT NULL AND f.comment <> '') AS comments "
                      "FROM events f LEFT JOIN events c ON c.kind = 'chat' AND c.answer_id = f.answer_id "
                      "WHERE f.kind = 'feedback' GROUP BY 1 ORDER BY 1")


def latency(events_dir: Path) -> list[dict]:
    con, ok = _connect(events_dir)
    if not ok:
        return []
    return _rows(con, "SELECT mode, count(*) AS n, "
                      "round(quantile_cont(latency_ms, 0.5), 1) AS p50_ms, round(quantile_cont(latency_ms, 0.95), 1) AS p95_ms, "
                      "round(quantile_cont(first_token_ms, 0.5), 1) AS first_token_p50_ms "
                      "FROM events WHERE kind = 'chat' GROUP BY mode ORDER BY mode")
