"""Heading-aware chunking with token bounds and overlap; chunks never cross PDF pages.

A page's markdown is cut into blocks (headings, paragraphs, whole tables/lists/code), blocks longer than
`max_tokens` are split (sentences, then table rows with the header repeated, then raw token windows), and
blocks are packed into chunks of at most `max_tokens`. A heading starts a new chunk once the current one
holds `min_tokens`; a chunk cut for size starts with the last sentences (up to `overlap_tokens`) of the
previous one. The heading path (h1 > h2 > h3 ...) carries over from one PDF page to the next.

Tokens are counted with a regex (words and single punctuation marks): offline, fast, and within ~15% of
the e5 tokenizer's count on German text, which is all the bounds need.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass

from auskunft.models import NAMESPACE, Chunk, Document

# bump when chunk text or payload fields change: a new index version is built from every stored document
# (2: boilerplate lines out of chunks, document date and listing flag in the payload; 3: no sentence cut inside
# a markdown link)
CHUNK_SCHEMA = 3
# dates too weak to rank by ("gegründet 1987" is not the page's date; the crawl time is no content date)
WEAK_DATES = ("mentioned", "crawled")
# the letterhead/contact lines of a document form one chunk of their own (identical ones across documents are
# folded into one hit at retrieval, auskunft.retrieval.refine)
BOILERPLATE_HEADING = "Kontakt / Briefkopf"

TOKEN = re.compile(r"\w+|[^\w\s]", re.UNICODE)
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
SENTENCE = re.compile(r"(?<=[.!?:;])\s+(?=[A-ZÄÖÜ0-9§„\"(\[])")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}")


def count_tokens(text: str) -> int:
    return len(TOKEN.findall(text))


def chunk_id_for(url: str, page: int | None, ordinal: int, text: str) -> str:
    """Deterministic point id: same document URL, page, position and text -> same id."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return str(uuid.uuid5(NAMESPACE, f"{url}|{page}|{ordinal}|{digest}"))


@dataclass
class _Unit:
    path: list[str]
    text: str
    heading: bool = False
    overlap: bool = False  # the tail of the previous chunk, repeated

    @property
    def tokens(self) -> int:
        return count_tokens(self.text)


def _kind(line: str) -> str:
    s = line.lstrip()
    if s.startswith("|"):
        return "table"
    if s.startswith("```"):
        return "code"
    if _LIST_ITEM.match(line):
        return "list"
    return "text"


def _blocks(markdown: str, path: list[str]) -> tuple[list[_Unit], list[str]]:
    """Cut a page into headings and blocks; tables, lists and code fences stay single blocks.

    Returns the blocks and the heading path in force at the end of the page.
    """
    out: list[_Unit] = []
    buf: list[str] = []
    in_code = False

    def flush() -> None:
        text = "\n".join(buf).strip()
        if text:
            out.append(_Unit(list(path), text))
        buf.clear()

    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            if not in_code:
                flush()
            in_code = not in_code
            buf.append(line)
            if not in_code:
                flush()
            continue
        if in_code:
            buf.append(line)
            continue
        m = HEADING.match(line)
        if m:
            flush()
            level = len(m.group(1))
            title = re.sub(r"[*_`]+", "", m.group(2)).strip()
            path = [*path[: level - 1], title]
            out.append(_Unit(list(path), "#" * level + " " + title, heading=True))
            continue
        if not line.strip():
            flush()
            continue
        if (
            buf
            and _kind(line) != _kind(buf[-1])
            and not (_kind(buf[-1]) == "list" and line.startswith((" ", "\t")))
        ):
            flush()  # a table or list right after a paragraph (no blank line) is its own block
        buf.append(line)
    flush()
    return out, path


def _token_windows(text: str, size: int) -> list[str]:
    spans = [m.span() for m in TOKEN.finditer(text)]
    return [text[spans[i][0] : spans[min(i + size, len(spans)) - 1][1]] for i in range(0, len(spans), size)]


def _pack(pieces: list[str], max_tokens: int, sep: str, prefix: str = "") -> list[str]:
    """Greedy packing of pieces (each <= max_tokens) into parts of at most max_tokens."""
    parts: list[str] = []
    cur: list[str] = []
    for piece in pieces:
        if cur and count_tokens(prefix + sep.join([*cur, piece])) > max_tokens:
            parts.append(prefix + sep.join(cur))
            cur = []
        cur.append(piece)
    if cur:
        parts.append(prefix + sep.join(cur))
    return parts


def _sentences(text: str) -> list[str]:
    """SENTENCE.split that never cuts inside a markdown link ("[/ 3. Herren-Bundesliga](…)")."""
    out: list[str] = []
    for piece in SENTENCE.split(text):
        if out and out[-1].count("[") > out[-1].count("]"):
            out[-1] += " " + piece
        else:
            out.append(piece)
    return out


def _split_long(text: str, max_tokens: int) -> list[str]:
    """Split one block into parts of at most max_tokens tokens."""
    if count_tokens(text) <= max_tokens:
        return [text]
    lines = text.splitlines()
    if _kind(lines[0]) == "table":  # split by rows, repeating the header row(s) in every part
        header = lines[:2] if len(lines) > 1 and _TABLE_SEP.match(lines[1]) else lines[:1]
        prefix = "\n".join(header) + "\n"
        rows = lines[len(header) :]
        if (
            rows
            and count_tokens(prefix) < max_tokens // 2
            and all(count_tokens(prefix + r) <= max_tokens for r in rows)
        ):
            return _pack(rows, max_tokens, "\n", prefix)
    if len(lines) > 1 and _kind(lines[0]) in ("list", "code", "table"):
        pieces = [p for line in lines for p in _split_long(line, max_tokens)]
        return _pack(pieces, max_tokens, "\n")
    pieces = []
    for sent in _sentences(text):
        pieces += [sent] if count_tokens(sent) <= max_tokens else _token_windows(sent, max_tokens)
    return _pack(pieces, max_tokens, " ")


def _tail(text: str, overlap_tokens: int) -> str:
    """The last whole sentences of `text` that fit into overlap_tokens."""
    if overlap_tokens <= 0:
        return ""
    sents = _sentences(text.split("\n\n")[-1])
    tail: list[str] = []
    while sents and count_tokens(" ".join([sents[-1], *tail])) <= overlap_tokens:
        tail.insert(0, sents.pop())
    if not sents:  # the whole last block fits: still an overlap, not a duplicate chunk
        return " ".join(tail) if count_tokens(text) > count_tokens(" ".join(tail)) else ""
    return " ".join(tail)


def _page_pieces(
    units: list[_Unit], max_tokens: int, min_tokens: int, overlap_tokens: int
) -> list[tuple[list[str], str]]:
    pieces: list[tuple[list[str], str, str]] = []  # (heading path, text, text without the overlap)
    cur: list[_Unit] = []  # an overlap, if any, is cur[0]

    def text_of(units_: list[_Unit]) -> str:
        return "\n\n".join(u.text for u in units_)

    def own(units_: list[_Unit]) -> list[_Unit]:
        return [u for u in units_ if not u.overlap]

    room = max_tokens - overlap_tokens  # parts of a long block leave room for the overlap that precedes them
    for block in units:
        for part in _split_long(block.text, room if block.tokens > max_tokens else max_tokens):
            unit = _Unit(block.path, part, block.heading)
            new_section = unit.heading and count_tokens(text_of(own(cur))) >= min_tokens
            too_big = cur and count_tokens(text_of([*cur, unit])) > max_tokens
            if cur and (new_section or too_big):
                carry: list[_Unit] = []
                while cur and cur[-1].heading:  # never end a chunk with a dangling heading
                    carry.insert(0, cur.pop())
                if own(cur):
                    text = text_of(cur)
                    pieces.append((own(cur)[0].path, text, text_of(own(cur))))
                    overlap = "" if new_section or carry else _tail(text, overlap_tokens)
                    cur = []
                    if overlap and count_tokens(text_of([_Unit([], overlap), *carry, unit])) <= max_tokens:
                        cur.append(_Unit(pieces[-1][0], overlap, overlap=True))
                else:
                    cur = []
                cur += carry
                while cur and count_tokens(text_of([*cur, unit])) > max_tokens:
                    cur.pop(0)  # carried headings plus the unit exceed the bound: drop from the front
            cur.append(unit)
    if own(cur) and re.search(r"\w", text_of(own(cur))):
        pieces.append((own(cur)[0].path, text_of(cur), text_of(own(cur))))
    # a too-small last piece joins its predecessor (without the repeated overlap) when both fit
    if len(pieces) > 1 and count_tokens(pieces[-1][2]) < min_tokens:
        prev_path, prev, prev_own = pieces[-2]
        merged = prev + "\n\n" + pieces[-1][2]
        if count_tokens(merged) <= max_tokens:
            pieces[-2:] = [(prev_path, merged, prev_own + "\n\n" + pieces[-1][2])]
    return [(path, text) for path, text, _ in pieces]


def doc_rev(doc: Document) -> str:
    """Changes when anything chunks are made of changes (the raw bytes, a better extraction, the date)."""
    body = doc.model_dump_json(exclude={"crawled_at", "link_texts"})
    return hashlib.sha256(f"{CHUNK_SCHEMA}|{body}".encode()).hexdigest()


def chunk_document(
    doc: Document, *, max_tokens: int = 350, min_tokens: int = 40, overlap_tokens: int = 50
) -> list[Chunk]:
    """Chunks of `doc` in reading order; each chunk lies on one page and has <= max_tokens tokens."""
    if max_tokens < 8:
        raise ValueError("max_tokens must be at least 8")
    overlap_tokens = min(overlap_tokens, max_tokens // 2)
    chunks: list[Chunk] = []
    ordinal = 0
    path: list[str] = []
    rev = doc_rev(doc)
    day = doc.date if doc.date_source not in WEAK_DATES else None
    pieces: list[tuple[int | None, list[str], str]] = []
    for page in doc.pages:
        units, path = _blocks(page.markdown, path)
        for heading_path, text in _page_pieces(units, max_tokens, min_tokens, overlap_tokens):
            if re.search(r"\w", text):
                pieces.append((page.number, heading_path, text))
    if doc.boilerplate:  # letterhead/contact lines, out of every other chunk: once per document, here
        first_page = doc.pages[0].number if doc.pages else None
        pieces.append((first_page, [BOILERPLATE_HEADING], "\n".join(doc.boilerplate)))
    for page_number, heading_path, text in pieces:
        chunks.append(
            Chunk(
                chunk_id=chunk_id_for(doc.url, page_number, ordinal, text),
                doc_id=doc.doc_id,
                url=doc.url,
                title=doc.title,
                heading_path=heading_path,
                page=page_number,
                source=doc.source,
                crawled_at=doc.crawled_at,
                doc_sha256=doc.sha256,
                ordinal=ordinal,
                text=text,
                language=doc.language,
                date=day,
                is_listing=doc.is_listing,
                doc_rev=rev,
            )
        )
        ordinal += 1
    return chunks


def embedding_text(chunk: Chunk, with_context: bool = True) -> str:
    """What gets embedded (and BM25-encoded): title and heading path give the passage its context."""
    if not with_context:
        return chunk.text
    context = " › ".join([chunk.title, *[h for h in chunk.heading_path if h != chunk.title]]).strip(" ›")
    return f"{context}\n{chunk.text}" if context else chunk.text
