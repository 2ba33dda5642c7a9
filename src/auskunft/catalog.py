"""The source catalog: sources.yml as the admin API and the console change it.

One place for what both must do: a name is added once and changed or removed only when it exists, the whole
list is validated before anything is written, the file keeps its comments (`save_sources`), and every
change is handed to the audit (who, what, which source, what changed)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from auskunft.errors import SourceError, ValidationError
from auskunft.models import Source
from auskunft.sources import load_sources, save_sources

# (actor, action, target, detail) -> recorded; the console writes it to its audit log
Audit = Callable[[str, str, str, dict[str, Any]], None]


class SourceCatalog:
    def __init__(self, path: Path | None, audit: Audit | None = None) -> None:
        self.path = Path(path) if path is not None else None  # None: no sources file (nothing to list)
        self.audit = audit

    def sources(self) -> list[Source]:
        return load_sources(self.path) if self.path is not None and self.path.exists() else []

    def _file(self) -> Path:
        if self.path is None:
            raise SourceError("no sources file is configured", code="no_sources_file")
        return self.path

    def get(self, name: str) -> Source | None:
        return next((s for s in self.sources() if s.name == name), None)

    def require(self, name: str) -> Source:
        source = self.get(name)
        if source is None:
            raise SourceError(f"unknown source {name!r}", code="source_not_found")
        return source

    def add(self, source: Source, actor: str) -> Source:
        sources = self.sources()
        if any(s.name == source.name for s in sources):
            raise ValidationError(f"source {source.name!r} exists: use PUT to update", code="source_exists")
        save_sources(self._file(), [*sources, source])
        self._record(actor, "source.create", source.name, {"start_urls": source.start_urls})
        return source

    def update(self, source: Source, actor: str) -> Source:
        sources = self.sources()
        old = next((s for s in sources if s.name == source.name), None)
        if old is None:
            raise SourceError(f"unknown source {source.name!r}", code="source_not_found")
        save_sources(self._file(), [source if s.name == source.name else s for s in sources])
        before = old.model_dump(mode="json")
        changed = {k: v for k, v in source.model_dump(mode="json").items() if before.get(k) != v}
        self._record(actor, "source.update", source.name, changed)
        return source

    def delete(self, name: str, actor: str) -> None:
        sources = self.sources()
        if not any(s.name == name for s in sources):
            raise SourceError(f"unknown source {name!r}", code="source_not_found")
        save_sources(self._file(), [s for s in sources if s.name != name])
        self._record(actor, "source.delete", name, {})

    def _record(self, actor: str, action: str, target: str, detail: dict[str, Any]) -> None:
        if self.audit is not None:
            self.audit(actor, action, target, detail)
