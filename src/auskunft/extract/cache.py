"""Extraction cache keyed by (sha256 of the raw body, extractor name@version)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from auskunft.models import PageText


class ExtractionCache:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.hits = 0
        self.misses = 0

    def _path(self, sha: str, extractor: str) -> Path:
        safe = extractor.replace("/", "_").replace("@", "_")
        return self.root / safe / sha[:2] / f"{sha}.json"

    def get(self, sha: str, extractor: str) -> tuple[str, str | None, list[PageText]] | None:
        path = self._path(sha, extractor)
        if not path.exists():
            self.misses += 1
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        self.hits += 1
        return data["title"], data.get("language"), [PageText.model_validate(p) for p in data["pages"]]

    def put(self, sha: str, extractor: str, title: str, language: str | None, pages: list[PageText]) -> None:
        path = self._path(sha, extractor)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(
            json.dumps(
                {"title": title, "language": language, "pages": [p.model_dump() for p in pages]},
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )
        os.replace(tmp, path)
