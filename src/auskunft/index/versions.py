"""Versioned collections `<kb>__v<N>` and the alias `<kb>` that points at the live one.

Version metadata (index config, creation and promotion times) lives with each collection in the vector store
(Qdrant collection metadata on a server, a sidecar file on qdrant-edge), so every process that reaches the
store sees the same versions; promote/rollback switch the alias in one atomic step.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from auskunft.errors import IndexNotFoundError
from auskunft.index.vectorstore import VectorStore
from auskunft.models import IndexConfig, IndexVersion, utcnow

log = logging.getLogger(__name__)


class IndexManager:
    def __init__(self, store: VectorStore, kb: str) -> None:
        self.store = store
        self.kb = kb
        self._pattern = re.compile(rf"^{re.escape(kb)}__v(\d+)$")

    def collection_name(self, version: int) -> str:
        return f"{self.kb}__v{version}"

    def _live_collection(self) -> str | None:
        return self.store.get_alias(self.kb)

    def _meta(self, name: str) -> dict:
        return self.store.get_metadata(name)

    def list_versions(self) -> list[IndexVersion]:
        live = self._live_collection()
        out = []
        for name in self.store.list_collections():
            m = self._pattern.match(name)
            if not m:
                continue
            meta = self._meta(name)
            if "config" not in meta:
                continue
            out.append(
                IndexVersion(
                    kb=self.kb,
                    version=int(m.group(1)),
                    collection=name,
                    created_at=datetime.fromisoformat(meta["created_at"]),
                    config=IndexConfig.model_validate(meta["config"]),
                    live=name == live,
                    points=self.store.count(name),
                )
            )
        return sorted(out, key=lambda v: v.version)

    def get(self, version: int) -> IndexVersion:
        for v in self.list_versions():
            if v.version == version:
                return v
        raise IndexNotFoundError(f"index version {version} of {self.kb!r} does not exist")

    def live(self) -> IndexVersion | None:
        return next((v for v in self.list_versions() if v.live), None)

    def create_version(self, config: IndexConfig) -> IndexVersion:
        existing = [v.version for v in self.list_versions()]
        version = max(existing, default=0) + 1
        name = self.collection_name(version)
        created = utcnow()
        self.store.create_collection(
            name,
            config.embedding_dim,
            {
                "kb": self.kb,
                "version": version,
                "created_at": created.isoformat(),
                "config": config.model_dump(),
                "promotions": [],
            },
        )
        log.info("created index version %s", name)
        return IndexVersion(
            kb=self.kb, version=version, collection=name, created_at=created, config=config, points=0
        )

    def promote(self, version: int) -> IndexVersion:
        target = self.get(version)
        self.store.commit()  # what this process wrote to the version is visible before the alias points at it
        self.store.set_alias(self.kb, target.collection)
        meta = self._meta(target.collection)
        meta["promotions"] = [*meta.get("promotions", []), utcnow().isoformat()]
        self.store.set_metadata(target.collection, meta)
        log.info("alias %s -> %s", self.kb, target.collection)
        return self.get(version)

    def rollback(self) -> IndexVersion:
        """Switch the alias back to the version that was live before the current one."""
        live = self.live()
        if live is None:
            raise IndexNotFoundError(f"no live version of {self.kb!r} to roll back from")
        live_since = max(self._meta(live.collection).get("promotions") or [""])
        candidates = []
        for v in self.list_versions():
            if v.version == live.version:
                continue
            earlier = [p for p in self._meta(v.collection).get("promotions", []) if p < live_since]
            if earlier:
                candidates.append((max(earlier), v.version))
        if not candidates:
            raise IndexNotFoundError(f"no earlier live version of {self.kb!r} to roll back to")
        return self.promote(max(candidates)[1])

    def delete_version(self, version: int) -> None:
        target = self.get(version)
        if target.live:
            raise IndexNotFoundError(f"version {version} is live; promote another version first")
        self.store.delete_collection(target.collection)

    def resolve(self, ref: str) -> str:
        """'live' / '' -> the alias; 'v3' or '3' -> '<kb>__v3'."""
        if ref in ("", "live", self.kb):
            return self.kb
        return self.get(int(ref.lstrip("v"))).collection
