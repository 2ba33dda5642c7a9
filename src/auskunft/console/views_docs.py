"""Documents: search the extracted documents by URL or title, read the extracted text page by page beside
a link to the source page, exclude a document or a URL pattern from the next crawls."""

from __future__ import annotations

import asyncio
import re
from itertools import islice

from auskunft.console import audit
from auskunft.console.web import PREFIX, Console, HttpError, Reply, Req, redirect
from auskunft.errors import SourceError
from auskunft.extract.store import DocumentStore
from auskunft.models import Document
from auskunft.sources import load_sources, save_sources, source_from_dict

MAX_HITS = 50


def search(store: DocumentStore, query: str, limit: int = MAX_HITS) -> list[Document]:
    q = query.strip().lower()
    hits = (d for d in store.iter_all() if not q or q in d.url.lower() or q in (d.title or "").lower())
    return list(islice(hits, limit))


def register(c: Console) -> None:
    root = c.config.documents_dir
    assert root is not None

    def store() -> DocumentStore:
        return DocumentStore(root)

    @c.route("GET", "/documents", "viewer")
    async def documents(req: Req) -> Reply:
        q = req.query.get("q", "")
        docs = await asyncio.to_thread(search, store(), q)
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
        return c.render(req, "document.html", d=doc, pattern="^" + re.escape(doc.url) + "$")

    @c.route("POST", "/documents/exclude", "editor")
    async def exclude(req: Req) -> Reply:
        """Add a regex to the source's `exclude` list (validated like `sources check`)."""
        assert req.user is not None
        name, pattern = req.f("source"), req.f("pattern").strip()
        sources = load_sources(c.config.sources_file) if c.config.sources_file.exists() else []
        source = next((s for s in sources if s.name == name), None)
        if source is None:
            raise SourceError(f"unknown source {name!r}", code="source_not_found")
        if not pattern:
            raise SourceError("which URL pattern?", code="missing_fields")
        if pattern not in source.exclude:
            new = source_from_dict(
                source.model_dump(mode="json") | {"exclude": [*source.exclude, pattern]}, "form"
            )
            save_sources(c.config.sources_file, [new if s.name == name else s for s in sources])
            with c.db.session() as s:
                audit.record(s, req.user.email, "source.exclude", name, pattern=pattern)
        return redirect(f"{PREFIX}/sources/{name}", _t(req, "excluded"))


def _t(req: Req, key: str, **kw: object) -> str:
    from auskunft.console.i18n import text

    return text(req.lang)(key, **kw)
