"""Typed records passed between pipeline steps (crawl -> extract -> index -> chat)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from datetime import date as Date
from typing import Literal

from pydantic import BaseModel, Field

NAMESPACE = uuid.UUID("6f1c5c36-9a43-4a8e-9c1e-0d2b7d7a1a55")


def utcnow() -> datetime:
    return datetime.now(UTC)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def doc_id_for(url: str) -> str:
    """Stable id of a document: derived from its public URL."""
    return str(uuid.uuid5(NAMESPACE, url))


# --------------------------------------------------------------------------------- sources
class Source(BaseModel):
    """One crawl source from sources.yml."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    start_urls: list[str]
    allowed_hosts: list[str] = []  # empty: the hosts of start_urls
    include: list[str] = []  # regexes on the URL; empty: everything in scope
    exclude: list[str] = []
    max_depth: int = 5
    max_pages: int = 2000
    render_js: bool = False
    follow_pdfs: bool = True
    use_sitemap: bool = True
    respect_robots: bool = True
    schedule: str | None = None  # cron expression, e.g. "0 3 * * *"
    host_aliases: dict[str, str] = {}  # public origin -> origin actually fetched (mirrors, loopback)
    allow_private: bool = False  # SSRF guard: private/loopback addresses refused unless True
    rate_limit_per_s: float = 4.0  # per host
    concurrency: int = 4
    timeout_s: float = 20.0
    max_file_bytes: int = 30_000_000
    max_crawl_s: float = Field(default=21_600.0, gt=0)  # the whole crawl (sitemaps + pages); then it stops
    pdf_extractor: Literal["pymupdf", "nougat"] = "pymupdf"
    ocr: bool = True
    user_agent: str = "auskunft-bot/0.1 (+https://github.com/auskunft)"
    trust_sitemap_lastmod: bool = (
        False  # re-crawls skip URLs whose sitemap <lastmod> is unchanged (no request)
    )


# --------------------------------------------------------------------------------- crawl
CrawlStatus = Literal["new", "changed", "unchanged", "gone", "failed", "skipped"]


class CrawlRecord(BaseModel):
    """What the crawler knows about one URL after a run."""

    url: str  # public URL (host aliases undone), used for citations
    source: str
    status: CrawlStatus
    fetched_url: str | None = None  # URL actually requested (after alias mapping)
    content_type: str | None = None  # "text/html", "application/pdf"
    http_status: int | None = None
    sha256: str | None = None  # of the raw body in the content-addressed store
    size: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    title: str | None = None
    depth: int = 0
    fetched_at: datetime = Field(default_factory=utcnow)
    error: str | None = None  # reason when failed/skipped
    rendered: bool = False  # body is browser-rendered HTML
    http_sha256: str | None = None  # sha256 of the HTTP body (differs from sha256 when rendered)
    sitemap_lastmod: str | None = None  # <lastmod> of the URL in the site's sitemap at fetch time


class CrawlManifest(BaseModel):
    source: str
    run_id: str
    started_at: datetime
    finished_at: datetime | None = None
    records: list[CrawlRecord] = []

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in ("new", "changed", "unchanged", "gone", "failed", "skipped")}
        for r in self.records:
            out[r.status] += 1
        return out


# --------------------------------------------------------------------------------- extract
class PageText(BaseModel):
    """Markdown of one PDF page (1-based number) or the single 'page' of an HTML document."""

    number: int | None = None
    markdown: str
    ocr: bool = False


DateSource = Literal[
    "text",  # a dated marker in the text: "Stand: März 2025", "Veröffentlicht am …", a letter's date line
    "html-meta",  # <meta> / <time> publication or modification date
    "sitemap",  # <lastmod> of the URL in the site's sitemap
    "pdf-modified",
    "pdf-created",
    "url",  # a full date (or year and month) in the URL or the title
    "http",  # HTTP Last-Modified
    "year",  # only a year in the URL, file name or title
    "mentioned",  # the latest date the text mentions (not after the crawl)
    "crawled",  # nothing better: the crawl time
]
TitleSource = Literal["html-title", "heading", "link", "metadata", "first-line", "filename", "url"]


class Document(BaseModel):
    doc_id: str
    url: str
    source: str
    title: str = ""
    language: str | None = None
    kind: Literal["html", "pdf"]
    sha256: str
    crawled_at: datetime
    extractor: str  # "name@version"
    pages: list[PageText]  # HTML: one entry with number=None
    # added for real sites (defaults keep documents stored by older versions loadable)
    title_source: TitleSource | None = None
    metadata_title: str | None = None  # the PDF's own title metadata, as found (often "Microsoft Word - …")
    link_texts: list[str] = []  # texts of the links on the source's pages that point at this document
    date: Date | None = None  # the document's date (content date when known), see date_source
    date_source: DateSource | None = None
    boilerplate: list[str] = []  # letterhead/footer/contact lines removed from the pages, kept once here
    is_listing: bool = False  # archive index, news overview, tag/category page: lists other pages

    @property
    def markdown(self) -> str:
        return "\n\n".join(p.markdown for p in self.pages)


class ExtractionFailure(BaseModel):
    url: str
    sha256: str | None
    reason: str


# --------------------------------------------------------------------------------- index
class Chunk(BaseModel):
    chunk_id: str  # deterministic uuid: the Qdrant point id
    doc_id: str
    url: str
    title: str
    heading_path: list[str] = []
    page: int | None = None
    source: str
    crawled_at: datetime
    doc_sha256: str
    ordinal: int
    text: str
    language: str | None = None
    date: Date | None = None  # the document's date (ranking prefers the newer of near-equal hits)
    is_listing: bool = False  # from an archive/overview page: ranked below the pages it lists
    doc_rev: str = ""  # hash of the extracted document: a re-extraction that changed it is re-indexed

    @property
    def cite_url(self) -> str:
        """URL a visitor can click: PDF links jump to the page."""
        return f"{self.url}#page={self.page}" if self.page else self.url


class IndexConfig(BaseModel):
    """Everything that, when changed, requires a new index version."""

    embedding_backend: str
    embedding_model: str
    embedding_dim: int
    chunk_max_tokens: int
    chunk_min_tokens: int
    chunk_overlap_tokens: int
    chunk_context: bool = True  # embed chunks with their title + heading path
    sparse: bool = True
    sparse_model: str = "bm25-de@2"  # auskunft.index.sparse NAME@VERSION
    # chunk text/payload layout (auskunft.index.chunking.CHUNK_SCHEMA); versions stored before it existed read 1
    chunk_schema: int = 1


class IndexVersion(BaseModel):
    kb: str
    version: int
    collection: str  # "<kb>__v<N>"
    created_at: datetime
    config: IndexConfig
    live: bool = False
    points: int | None = None


class RetrievedChunk(BaseModel):
    chunk: Chunk
    score: float
    rank: int
    dense_score: float | None = None  # cosine of query and chunk embeddings (None in sparse mode)
    also: list[str] = []  # citable URLs of near-duplicate passages folded into this one (copies, versions)


# --------------------------------------------------------------------------------- chat
class Citation(BaseModel):
    n: int
    url: str  # clickable: page URL, or PDF URL with #page=N
    title: str
    page: int | None = None
    snippet: str
    source: str | None = None
    date: Date | None = None  # the document's date, shown beside the citation
    also: list[str] = []  # the same text elsewhere (the PDF of an HTML page, an older version, a newsletter)


class ChatEvent(BaseModel):
    """One server-sent event of /api/chat.

    Order: `meta` (session_id, answer_id, mode) -> `sources` -> `token`* -> `done` (citations, answer)
    or `error`, or `busy` (code, message, retry_after_s: the search queue is full; ask again later).
    mode is "llm" or "extractive"; `notice` carries a human-readable warning such as
    "LLM unavailable, showing quoted passages".
    """

    event: Literal["meta", "sources", "token", "done", "error", "busy"]
    data: dict
