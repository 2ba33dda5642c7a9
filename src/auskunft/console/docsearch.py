"""Full-text search over the extracted documents: an SQLite FTS5 index (trigram tokenizer, so a word inside a
compound is found: "gebühr" finds "Mahngebühren") next to the document store, kept in step with it.

`sync()` re-reads only documents whose file changed since the last look (file modification time), removes
those that are gone, and runs at most every `sync_every_s`; the search itself is one FTS5 query.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from auskunft.models import Document

log = logging.getLogger(__name__)
SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
  key TEXT PRIMARY KEY, source TEXT, doc_id TEXT, url TEXT, title TEXT, kind TEXT, crawled_at TEXT,
  pages INTEGER, mtime REAL, rowid_fts INTEGER
);
CREATE INDEX IF NOT EXISTS docs_url ON docs(url);
CREATE VIRTUAL TABLE IF NOT EXISTS docs_fts USING fts5(title, url, body, tokenize='trigram case_sensitive 0');
"""
_TOKEN = re.compile(r"\w[\w.-]*", re.UNICODE)


@dataclass
class DocHit:
    source: str
    doc_id: str
    url: str
    title: str
    kind: str
    crawled_at: datetime
    pages: int
    snippet: str = ""


class DocumentIndex:
    def __init__(self, documents_dir: Path, db_path: Path | None = None, sync_every_s: float = 5.0) -> None:
        self.root = Path(documents_dir)
        self.db_path = db_path or self.root.parent / "console_fts.db"
        self.sync_every_s = sync_every_s
        self._synced = 0.0
        self._lock = threading.Lock()

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.db_path, timeout=15)
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(SCHEMA)
            with con:
                yield con
        finally:
            con.close()

    # ------------------------------------------------------------------------------------ keeping in step
    def sync(self, force: bool = False) -> int:
        """Index new and changed documents, drop removed ones; returns how many were (re-)indexed."""
        if not force and time.monotonic() - self._synced < self.sync_every_s:
            return 0
        with self._lock:
            files = {
                f"{p.parent.name}/{p.stem}": p
                for p in (self.root.glob("*/*.json") if self.root.is_dir() else [])
                if not p.name.startswith(".")
            }
            changed = 0
            with self._db() as con:
                known = {k: (m, r) for k, m, r in con.execute("SELECT key, mtime, rowid_fts FROM docs")}
                for key in set(known) - set(files):
                    con.execute("DELETE FROM docs_fts WHERE rowid = ?", (known[key][1],))
                    con.execute("DELETE FROM docs WHERE key = ?", (key,))
                for key, path in files.items():
                    try:
                        mtime = path.stat().st_mtime
                    except OSError:
                        continue
                    if key in known and known[key][0] == mtime:
                        continue
                    try:
                        doc = Document.model_validate_json(path.read_text(encoding="utf-8"))
                    except (OSError, ValueError) as exc:
                        log.warning("document %s unreadable: %s", path, exc)
                        continue
                    if key in known:
                        con.execute("DELETE FROM docs_fts WHERE rowid = ?", (known[key][1],))
                    body = "\n\n".join(p.markdown for p in doc.pages)
                    cur = con.execute(
                        "INSERT INTO docs_fts (title, url, body) VALUES (?, ?, ?)",
                        (doc.title or "", doc.url, body),
                    )
                    con.execute(
                        "INSERT OR REPLACE INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            key,
                            doc.source,
                            doc.doc_id,
                            doc.url,
                            doc.title or "",
                            doc.kind,
                            doc.crawled_at.isoformat(),
                            len(doc.pages),
                            mtime,
                            cur.lastrowid,
                        ),
                    )
                    changed += 1
            self._synced = time.monotonic()
        if changed:
            log.info("document search: %d documents indexed", changed)
        return changed

    # ------------------------------------------------------------------------------------ queries
    def search(self, query: str, limit: int = 50) -> list[DocHit]:
        """Documents whose title, URL or text contain every word of `query` (3+ letters: anywhere in a word),
        best first; an empty query lists documents by title."""
        self.sync()
        words = [w for w in _TOKEN.findall(query.lower()) if len(w) >= 3]
        cols = "d.source, d.doc_id, d.url, d.title, d.kind, d.crawled_at, d.pages"
        with self._db() as con:
            if not words:
                rows = con.execute(
                    f"SELECT {cols}, '' FROM docs d ORDER BY lower(d.title), d.url LIMIT ?",  # noqa: S608
                    (limit,),
                ).fetchall()
            else:
                match = " AND ".join('"' + w.replace('"', '""') + '"' for w in words)
                rows = con.execute(
                    f"SELECT {cols}, f.body FROM docs_fts f JOIN docs d ON d.rowid_fts = f.rowid "  # noqa: S608
                    "WHERE docs_fts MATCH ? ORDER BY bm25(docs_fts, 5.0, 2.0, 1.0) LIMIT ?",
                    (match, limit),
                ).fetchall()
        return [
            DocHit(r[0], r[1], r[2], r[3], r[4], datetime.fromisoformat(r[5]), r[6], _snippet(r[7], words))
            for r in rows
        ]

    def titles(self, urls: list[str]) -> dict[str, str]:
        """Titles of the documents at these URLs (a PDF page link `…#page=3` finds its PDF)."""
        if not urls:
            return {}
        self.sync()
        bare = {u: u.split("#", 1)[0] for u in urls}
        with self._db() as con:
            found = dict(
                con.execute(
                    f"SELECT url, title FROM docs WHERE url IN ({','.join('?' * len(set(bare.values())))})",  # noqa: S608
                    sorted(set(bare.values())),
                ).fetchall()
            )
        return {u: found[b] for u, b in bare.items() if found.get(b)}


def _snippet(body: str, words: list[str], width: int = 90) -> str:
    if not body or not words:
        return ""
    low = body.lower()
    at = min((i for i in (low.find(w) for w in words) if i >= 0), default=-1)
    if at < 0:
        return ""
    start = max(0, at - width // 2)
    text = " ".join(body[start : start + width * 2].split())
    return ("… " if start else "") + text + " …"
