"""Content-addressed raw store and the per-source crawl state (both crash-safe: atomic writes)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from auskunft.models import CrawlManifest, CrawlRecord, sha256_bytes


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class RawStore:
    """Raw bodies by sha256: root/ab/abcdef…; identical bodies are stored once."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha: str) -> Path:
        return self.root / sha[:2] / sha

    def has(self, sha: str) -> bool:
        return self.path(sha).exists()

    def put(self, data: bytes) -> str:
        sha = sha256_bytes(data)
        if not self.has(sha):
            _atomic_write(self.path(sha), data)
        return sha

    def get(self, sha: str) -> bytes:
        return self.path(sha).read_bytes()

    def count(self) -> int:
        return sum(1 for p in self.root.glob("??/*") if p.is_file()) if self.root.exists() else 0


class CrawlState:
    """The last known record per URL of one source, persisted as JSON after every run."""

    def __init__(self, state_dir: Path, source: str) -> None:
        self.path = Path(state_dir) / source / "state.json"
        self.source = source
        self._records: dict[str, CrawlRecord] | None = None

    @property
    def records(self) -> dict[str, CrawlRecord]:
        if self._records is None:
            self._records = {}
            if self.path.exists():
                raw = json.loads(self.path.read_text(encoding="utf-8"))
                self._records = {u: CrawlRecord.model_validate(r) for u, r in raw.items()}
        return self._records

    def get(self, url: str) -> CrawlRecord | None:
        return self.records.get(url)

    def replace(self, records: dict[str, CrawlRecord]) -> None:
        self._records = dict(records)
        payload = {u: r.model_dump(mode="json") for u, r in sorted(self._records.items())}
        _atomic_write(self.path, json.dumps(payload, indent=1, ensure_ascii=False).encode())


def save_manifest(manifest: CrawlManifest, path: Path) -> None:
    _atomic_write(Path(path), manifest.model_dump_json(indent=2).encode())


def load_manifest(path: Path) -> CrawlManifest:
    return CrawlManifest.model_validate_json(Path(path).read_text(encoding="utf-8"))
