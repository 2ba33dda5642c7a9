"""Append-only event log: one JSON object per line, one file per day and process; never rewritten."""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path


class EventLog:
    def __init__(self, directory: Path) -> None:
        self.dir = Path(directory)
        self._lock = threading.Lock()

    def _path(self, now: datetime) -> Path:
        return self.dir / f"events-{now:%Y-%m-%d}-{os.getpid()}.jsonl"

    def write(self, kind: str, **fields: object) -> None:
        now = datetime.now(UTC)
        line = json.dumps({"ts": now.isoformat(), "kind": kind, **fields}, ensure_ascii=False, default=str)
        with self._lock:
            self.dir.mkdir(parents=True, exist_ok=True)
            with open(self._path(now), "a", encoding="utf-8") as fh:
                fh.write(line + "\n")
                fh.flush()
