"""Text defects in what a site's documents would be quoted with (issue 20): counts per defect class.

    .venv/bin/python bench/text_defects.py SITE_DIR ORIGIN [--no-ocr] [-v]

Every .html/.pdf file of SITE_DIR is extracted as ORIGIN + its path (link texts collected, the source-wide
letterhead pass run), chunked, and cut into the sentences the extractive answerer quotes
(auskunft.chat.extractive.sentences). Counted: sentences with a word split at a line end ("bedeu- tet"),
with HTML tags or entities, with table-of-contents leaders, with markdown link syntax, with backslash
escapes; markdown headings that are file names; titles that are file names or generic link texts.

Old vs new code: run it twice, once with PYTHONPATH pointing at an older checkout's src/ (the counting
patterns here are independent of the code measured).
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import unicodedata
from pathlib import Path
from urllib.parse import quote

from auskunft.chat.extractive.sentences import sentences
from auskunft.extract import DocumentStore, ExtractionCache
from auskunft.extract.extractor import extract_record, strip_store_boilerplate
from auskunft.extract.links import collect_link_texts
from auskunft.index.chunking import chunk_document
from auskunft.models import CrawlManifest, CrawlRecord, sha256_bytes, utcnow

HYPHEN_SPLIT = re.compile(r"\b([A-Za-zÄÖÜäöüß]+)- ([a-zäöüß]+)\b")
ENUMERATION = {"und", "oder", "bzw", "sowie", "bis", "wie", "als", "noch", "u", "o"}
PATTERNS = {
    "inline_html": re.compile(
        r"</?(?:u|b|i|em|strong|span|br|p|div|font|a|li|sup|sub)\b[^<>]*/?>|&(?:[a-z]+|#\d+);", re.I
    ),
    "toc_leaders": re.compile(r"(?:\.\s?){4,}\s*\d{1,4}\b"),
    "link_residue": re.compile(r"\]\(|\[[^\]]*$|^[^\[]*\]"),
    "md_escapes": re.compile(r"\\[_*\[\]]"),
}
# "_" between letters (not markdown's "**_Präambel_**"), an extension, a version tag
FILE_HEADING = re.compile(
    r"^#+\s+.*(?:[^\W_]_[^\W_]|\.pdf\b|\.docx?\b|\bv\d+[a-z]?\b|\bfinal\b)", re.I | re.M
)
FILE_TITLE = re.compile(r"_|\bv\d+[a-z]?\b|\.pdf$", re.I)
GENERIC_TITLE = re.compile(r"^(?:datei|pdf|download|hier|mehr)\b", re.I)


def manifest_of(site: Path, origin: str) -> tuple[CrawlManifest, dict[str, bytes]]:
    raw: dict[str, bytes] = {}
    recs = []
    for f in sorted(site.rglob("*")):
        if f.suffix.lower() not in (".html", ".pdf") or not f.is_file():
            continue
        rel = "/" + str(f.relative_to(site))
        rel = rel.removesuffix("index.html")
        body = f.read_bytes()
        raw[sha256_bytes(body)] = body
        ctype = "application/pdf" if f.suffix.lower() == ".pdf" else "text/html"
        url = origin + quote(unicodedata.normalize("NFC", rel))
        recs.append(
            CrawlRecord(url=url, source="s", status="new", content_type=ctype, sha256=sha256_bytes(body))
        )
    return CrawlManifest(source="s", run_id="r", started_at=utcnow(), records=recs), raw


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("site", type=Path)
    ap.add_argument("origin")
    ap.add_argument("--no-ocr", action="store_true")
    ap.add_argument("-v", action="store_true", help="print up to 6 examples per class")
    args = ap.parse_args()
    manifest, raw = manifest_of(args.site, args.origin.rstrip("/"))
    tmp = Path(tempfile.mkdtemp())
    store, cache = DocumentStore(tmp / "docs"), ExtractionCache(tmp / "cache")
    links = collect_link_texts(manifest, raw.__getitem__)
    for rec in manifest.records:
        extract_record(
            rec,
            raw_get=raw.__getitem__,
            cache=cache,
            store=store,
            ocr=not args.no_ocr,
            link_texts=links.get(rec.url),
        )
    strip_store_boilerplate(store, "s")
    counts = dict.fromkeys(["docs", "sentences", "hyphen_split", *PATTERNS, "filename_headings"], 0)
    counts |= {"filename_titles": 0, "generic_titles": 0}
    examples: dict[str, list[object]] = {k: [] for k in counts}
    for doc in store.iter_source("s"):
        counts["docs"] += 1
        counts["filename_headings"] += len(FILE_HEADING.findall(doc.markdown))
        for key, rx in (("filename_titles", FILE_TITLE), ("generic_titles", GENERIC_TITLE)):
            if rx.search(doc.title or "") or (key == "filename_titles" and doc.title_source == "filename"):
                counts[key] += 1
                examples[key].append(doc.title)
        for chunk in chunk_document(doc):
            for s, _ in sentences(chunk.text):
                counts["sentences"] += 1
                for key, rx in PATTERNS.items():
                    if rx.search(s):
                        counts[key] += 1
                        examples[key].append(s[:120])
                splits = [m.group(0) for m in HYPHEN_SPLIT.finditer(s) if m.group(2) not in ENUMERATION]
                if splits:
                    counts["hyphen_split"] += 1
                    examples["hyphen_split"].append(splits)
    print(json.dumps(counts))
    if args.v:
        for key, found in examples.items():
            if found:
                print(key, found[:6])


if __name__ == "__main__":
    main()
