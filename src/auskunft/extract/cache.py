"""Extraction cache keyed by (sha256 of the raw body, extractor name@version)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import BaseModel, ValidationError

from auskunft.models import PageText


class ExtractedContent(BaseModel):
    """What one raw body yields, independent of the URL it was found at."""

    title: str = ""  # HTML <title>; for PDFs the title metadata as found
    language: str | None = None
    pages: list[PageText]
    heading: str = ""  # first heading that reads like a title
    dates: dict[str, str] = {}  # "html-meta" / "pdf-created" / "pdf-modified" -> ISO date
    boilerplate: list[str] = []  # lines repeated on most pages, removed from them
    is_listing: bool = False


class ExtractionCache:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.hits = 0
        self.misses = 0

    def _path(self, sha: str, extractor: str) -> Path:
        safe = extractor.replace("/", "_").replace("@", "_")
        return self.root / safe / sha[:2] / f"{sha}.json"

    def get(self, sha: str, extractor: str) -> ExtractedContent | None:
        path = self._path(sha, extractor)
        try:
            content = ExtractedContent.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValidationError, json.JSONDecodeError):
            self.misses += 1  # absent, or written by an older layout: extract again
            return None
        self.hits += 1
        return content

    def put(self, sha: str, extractor: str, content: ExtractedContent) -> None:
        path = self._path(sha, extractor)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(content.model_dump_json(), encoding="utf-8")
        os.replace(tmp, path)
