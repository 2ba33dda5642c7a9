"""What the documents page does with the live index: show a document's chunks as the bot searches them, and
remove an excluded document's points right away (the source's exclude list keeps it out of later crawls)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auskunft.index.vectorstore import VectorStore, Where

log = logging.getLogger(__name__)
CHUNK_FIELDS = ("ordinal", "heading_path", "page", "date", "title", "text", "is_listing", "url", "crawled_at")
WRITE_LOCK_WAIT_S = 20.0  # a crawl writing the index holds the lock longer: the page says so


@dataclass
class IndexedChunk:
    ordinal: int
    heading_path: list[str]
    page: int | None
    date: str | None
    title: str
    text: str
    is_listing: bool


def chunks_of(manager: Any, doc_id: str) -> tuple[str | None, list[IndexedChunk]]:
    """(live collection, the document's chunks in it in reading order)."""
    live = manager.live()
    if live is None:
        return None, []
    rows = manager.store.scroll(live.collection, Where.field("doc_id", doc_id), CHUNK_FIELDS)
    out = [
        IndexedChunk(
            ordinal=int(p.get("ordinal") or 0),
            heading_path=list(p.get("heading_path") or []),
            page=p.get("page"),
            date=p.get("date"),
            title=str(p.get("title") or ""),
            text=str(p.get("text") or ""),
            is_listing=bool(p.get("is_listing")),
        )
        for _id, p in rows
    ]
    return live.collection, sorted(out, key=lambda c: (c.page or 0, c.ordinal))


def open_writer(url: str, path: Path, api_key: str | None) -> VectorStore:
    """A writable store for the console's removals: a Qdrant server client, or the embedded store waiting
    at most WRITE_LOCK_WAIT_S for a crawl that is writing."""
    if url:
        from auskunft.index.vectorstore import open_store

        return open_store(url, path, api_key)
    from auskunft.index.vectorstore.edge import EdgeStore

    return EdgeStore(Path(path), lock_timeout_s=WRITE_LOCK_WAIT_S)


def remove_documents(writer_factory: Callable[[], VectorStore], kb: str, doc_ids: list[str]) -> int:
    """Delete the documents' points from the live version (alias `kb`); returns how many points went."""
    if not doc_ids:
        return 0
    store = writer_factory()
    try:
        where = Where(any_of={"doc_id": list(doc_ids)})
        collection = store.get_alias(kb) or kb
        before = store.count(collection, where)
        if before:
            store.delete(collection, where)
            store.commit()
        log.info("removed %d points of %d documents from %s", before, len(doc_ids), collection)
        return before
    finally:
        store.close()
