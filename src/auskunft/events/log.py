"""Append-only event log: one JSON object per line, one file per day and process; never rewritten.

Kinds: "chat" (one answered turn) and "feedback". Visitor identifiers (session id, client) are stored
only as salted hashes (`hash_id`); the salt is created once per events directory and kept beside the
files, so hashes stay stable across restarts and processes but cannot be reversed by trying every IP.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import threading
from datetime import UTC, datetime
from pathlib import Path

SALT_FILE = ".salt"
# terminal control (C0 except tab/newline, DEL, C1 incl. the CSI/OSC introducers) and bidi controls: a
# visitor's text must not colour, hide, reorder or retitle anything in an operator's terminal
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str) -> str:
    """Visitor text as safe to print: control and bidi characters become spaces (CR LF as one)."""
    return _UNPRINTABLE.sub(" ", text.replace("\r\n", "\n"))


class EventLog:
    def __init__(self, directory: Path) -> None:
        self.dir = Path(directory)
        self._lock = threading.Lock()
        self._salt: bytes | None = None

    def _path(self, now: datetime) -> Path:
        return self.dir / f"events-{now:%Y-%m-%d}-{os.getpid()}.jsonl"

    def _load_salt(self) -> bytes:
        if self._salt is None:
            self.dir.mkdir(parents=True, exist_ok=True)
            path = self.dir / SALT_FILE
            try:  # O_EXCL: of several processes starting at once exactly one writes the salt
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w") as fh:
                    fh.write(secrets.token_hex(16))
            salt = ""
            for _ in range(50):  # another process may be between create and write
                salt = path.read_text().strip()
                if salt:
                    break
                threading.Event().wait(0.01)
            self._salt = salt.encode()
        return self._salt

    def hash_id(self, value: str | None) -> str | None:
        """Salted hash of a visitor identifier (stable for this events directory), None for None."""
        if not value:
            return None
        return hashlib.sha256(self._load_salt() + value.encode()).hexdigest()[:16]

    def write(self, kind: str, **fields: object) -> None:
        now = datetime.now(UTC)
        line = json.dumps({"ts": now.isoformat(), "kind": kind, **fields}, ensure_ascii=False, default=str)
        with self._lock:
            try:
                fh = open(self._path(now), "a", encoding="utf-8")  # noqa: SIM115 - closed below
            except FileNotFoundError:  # the first line, or the directory was removed meanwhile
                self.dir.mkdir(parents=True, exist_ok=True)
                fh = open(self._path(now), "a", encoding="utf-8")  # noqa: SIM115
            with fh:
                fh.write(line + "\n")
                fh.flush()
