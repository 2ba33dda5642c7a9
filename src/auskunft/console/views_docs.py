"""Documents: full-text search over the extracted text (SQLite FTS5), a document's text beside its chunks as
the bot searches them, and exclusion: the document's points leave the live index at once and the source's
exclude list keeps it out of later crawls."""

from __future__ import annotations

import asyncio
import logging
import re

from markdown_it import MarkdownIt
from markupsafe import Markup

from auskunft.console import audit, index_ops
from auskunft.console.docsearch import DocumentIndex
from auskunft.console.web import PREFIX, Console, HttpError, Reply, Req, redirect, tr
from auskunft.errors import AuskunftError, SourceError
from auskunft.extract.store import DocumentStore
from auskunft.sources import load_sources, save_sources, source_from_dict

log = logging.getLogger(__name__)
MAX_HITS = 50
_MD = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render_markdown(text: str) -> Markup:
    """Extracted markdown as HTML; raw HTML in the text stays escaped (html off). Headings start at h3 (the
    page has its h1 and the page sections their h2)."""
    tokens = _MD.parse(text)
    for tok in tokens:
        if tok.type in ("heading_open", "heading_close"):
            tok.tag = f"h{min(6, int(tok.tag[1]) + 2)}"
    return Markup(_MD.renderer.render(tokens, _MD.options, {}))  # noqa: S704 - html off: all escaped


def register(c: Console) -> None:  # noqa: C901
    root = c.config.documents_dir
    assert root is not None
    index = DocumentIndex(root)

    def store() -> DocumentStore:
        return DocumentStore(root)

    @c.route("GET", "/documents", "viewer")
    async def documents(req: Req) -> Reply:
        q = req.query.get("q", "")
        docs = await asyncio.to_thread(index.search, q, MAX_HITS)
        return c.render(req, "documents.html", docs=docs, q=q, limit=MAX_HITS)

    @c.route("GET", "/documents/:source/:doc_id", "viewer")
    async def document(req: Req) -> Reply:
        source, doc_id = req.params.get("source", ""), req.params.get("doc_id", "")
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,100}", source) or not re.fullmatch(
            r"[A-Za-z0-9_-]{1,128}", doc_id
        ):
            raise HttpError(404, "not_found")
        doc = await asyncio.to_thread(store().load, source, doc_id)
        if doc is None:
            raise HttpError(404, "not_found")
        collection: str | None = None
        chunks: list[index_ops.IndexedChunk] = []
        chunk_error = ""
        if c.hooks.index_manager is not None:
            try:
                collection, chunks = await asyncio.to_thread(
                    index_ops.chunks_of, c.hooks.index_manager(), doc_id
                )
            except Exception as exc:  # noqa: BLE001 - the text is shown anyway
                log.warning("chunks of %s unavailable: %s", doc_id, exc)
                chunk_error = type(exc).__name__
        excluded = _excluding_pattern(c, doc.source, doc.url)
        return c.render(
            req,
            "document.html",
            d=doc,
            pattern="^" + re.escape(doc.url) + "$",
            pages=[(p, render_markdown(p.markdown)) for p in doc.pages],
            chunks=chunks,
            collection=collection,
            chunk_error=chunk_error,
            excluded=excluded,
            tab=req.query.get("tab", "text"),
        )

    @c.route("POST", "/documents/exclude", "editor")
    async def exclude(req: Req) -> Reply:
        """Add a regex to the source's `exclude` list (validated like `sources check`) and remove the
        documents it matches from the live index now."""
        assert req.user is not None
        name, pattern = req.f("source"), req.f("pattern").strip()
        sources = load_sources(c.config.sources_file) if c.config.sources_file.exists() else []
        source = next((s for s in sources if s.name == name), None)
        if source is None:
            raise SourceError(f"unknown source {name!r}", code="source_not_found")
        if not pattern:
            raise SourceError("which URL pattern?", code="missing_fields")
        try:
            rx = re.compile(pattern)
        except re.error as exc:
            raise SourceError(f"exclude pattern: {exc}", code="invalid_pattern") from exc
        if pattern not in source.exclude:
            new = source_from_dict(
                source.model_dump(mode="json") | {"exclude": [*source.exclude, pattern]}, "form"
            )
            save_sources(c.config.sources_file, [new if s.name == name else s for s in sources])
        hits = await asyncio.to_thread(index.search, "", 100_000)
        doc_ids = [h.doc_id for h in hits if h.source == name and rx.search(h.url)]
        removed, note = 0, "excluded_now"
        if c.hooks.index_writer is not None and c.hooks.index_manager is not None and doc_ids:
            kb = c.hooks.index_manager().kb
            try:
                removed = await asyncio.to_thread(
                    index_ops.remove_documents, c.hooks.index_writer, kb, doc_ids
                )
            except AuskunftError as exc:
                log.warning("exclusion: live index not changed: %s", exc)
                note = "excluded_later"
        elif doc_ids:
            note = "excluded_later"
        with c.db.session() as s:
            audit.record(
                s,
                req.user.email,
                "source.exclude",
                name,
                pattern=pattern,
                documents=len(doc_ids),
                points=removed,
            )
        back = req.f("back")
        target = (
            back
            if back.startswith(PREFIX + "/documents/") and "//" not in back
            else f"{PREFIX}/sources/{name}"
        )
        return redirect(target, tr(req, note, docs=len(doc_ids), points=removed))


def _excluding_pattern(c: Console, source: str, url: str) -> str:
    """The exclude pattern of the source that matches `url` ('' when none does)."""
    if not c.config.sources_file.exists():
        return ""
    for s in load_sources(c.config.sources_file):
        if s.name == source:
            for pattern in s.exclude:
                try:
                    if re.search(pattern, url):
                        return pattern
                except re.error:
                    continue
    return ""
