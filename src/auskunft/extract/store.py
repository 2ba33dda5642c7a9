"""Extracted documents on disk: root/<source>/<doc_id>.json."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from auskunft.models import Document


class DocumentStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, source: str, doc_id: str) -> Path:
        return self.root / source / f"{doc_id}.json"

    def save(self, doc: Document) -> None:
        path = self._path(doc.source, doc.doc_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # unique per process: parallel batches
        tmp.write_text(doc.model_dump_json(), encoding="utf-8")
        os.replace(tmp, path)

    def load(self, source: str, doc_id: str) -> Document | None:
        path = self._path(source, doc_id)
        return Document.model_validate_json(path.read_text(encoding="utf-8")) if path.exists() else None

    def delete(self, source: str, doc_id: str) -> bool:
        path = self._path(source, doc_id)
        existed = path.exists()
        path.unlink(missing_ok=True)
        return existed

    def iter_source(self, source: str) -> Iterator[Document]:
        folder = self.root / source
        if folder.exists():
            for path in sorted(folder.glob("*.json")):
                yield Document.model_validate_json(path.read_text(encoding="utf-8"))

    def sources(self) -> list[str]:
        return sorted(p.name for p in self.root.iterdir() if p.is_dir()) if self.root.exists() else []

    def iter_all(self) -> Iterator[Document]:
        for source in self.sources():
            yield from self.iter_source(source)
