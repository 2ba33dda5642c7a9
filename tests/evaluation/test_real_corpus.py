"""The real-site corpus (datasets/sites/<site>/ + datasets/qa/<site>.jsonl) is sound.

Per site: the QA set is complete and well-formed, every gold URL is a file of the served folder, and every
keyword of an answerable item occurs in its first gold document (and on the named PDF page). Over all real
sites: >= 25 % of the questions are answered only in PDFs and >= 15 % are unanswerable.

A site whose licence keeps it out of the repository is rebuilt by its rebuild.sh into data/sites/<site>/site;
its checks are skipped (with the command to run) when that folder is missing. Pages of a `render_js` site are
built in the browser by the site's scripts from its data, so for them a keyword missing from the static HTML
may be found in the site's *.js / *.json files instead (rendering every page in chromium would be slow).
"""

from __future__ import annotations

import functools
import html
import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pymupdf
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SITES = ROOT / "datasets" / "sites"
QA = ROOT / "datasets" / "qa"
NAMES = sorted(p.parent.name for p in SITES.glob("*/source.yml") if (QA / f"{p.parent.name}.jsonl").is_file())
FIELDS = {
    "id", "question", "reference_answer", "gold_urls", "gold_pages", "language", "answerable", "keywords",
    "pdf_only", "needs_newest", "kind",
}  # fmt: skip
KINDS = {"fact", "procedure", "where", "multi", "unanswerable"}
_LINE_END_HYPHEN = re.compile(r"(?<=[a-zäöüß])-[ \t]*\n\s*(?=[a-zäöüß])")


def _items(name: str) -> list[dict]:
    lines = (QA / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _source(name: str) -> dict:
    return yaml.safe_load((SITES / name / "source.yml").read_text(encoding="utf-8"))["sources"][0]


def _folder(name: str) -> Path | None:
    for folder in (SITES / name / "site", ROOT / "data" / "sites" / name / "site"):
        if folder.is_dir():
            return folder
    return None


def _flat(text: str) -> str:
    return " ".join(text.split()).casefold()


@functools.cache
def _pdf_pages(path: Path) -> tuple[str, ...]:
    with pymupdf.open(path) as pdf:
        # a word split at a line end ("Ge-\nmeindebereich") is joined, as pdftotext does
        return tuple(_flat(_LINE_END_HYPHEN.sub("", page.get_text())) for page in pdf)


@functools.cache
def _html_text(path: Path) -> str:
    raw = path.read_text(encoding="utf-8", errors="replace")
    raw = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", raw, flags=re.S | re.I)
    return _flat(html.unescape(re.sub(r"<[^>]+>", " ", raw)))


@functools.cache
def _script_text(folder: Path) -> str:
    data = [p for p in sorted(folder.rglob("*")) if p.suffix in (".json", ".js") and p.is_file()]
    return _flat(" ".join(p.read_text(encoding="utf-8", errors="replace") for p in data))


def _text(path: Path, page: int | None = None) -> str:
    if path.suffix.lower() == ".pdf":
        pages = _pdf_pages(path)
        return pages[page - 1] if page else " ".join(pages)
    return _html_text(path)


def _file(folder: Path, origin: str, url: str) -> Path:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == origin, f"{url} is not at {origin}"
    path = folder / unquote(parts.path).lstrip("/")
    if parts.path.endswith("/") or path.is_dir():
        path = path / "index.html"
    if not path.exists() and path.with_name(path.name + ".html").is_file():
        path = path.with_name(path.name + ".html")
    return path


@pytest.mark.parametrize("name", NAMES)
def test_set_is_complete(name: str) -> None:
    items = _items(name)
    assert len(items) >= 50, f"{name}: {len(items)} questions, want >= 50"
    assert len({i["id"] for i in items}) == len(items)
    for item in items:
        assert set(item) == FIELDS, f"{item['id']}: fields {sorted(set(item) ^ FIELDS)}"
        assert item["id"].startswith(f"{name}-") and item["language"] == "de" and item["kind"] in KINDS
        if item["answerable"]:
            assert item["reference_answer"] and item["gold_urls"] and 1 <= len(item["keywords"]) <= 5, item[
                "id"
            ]
            assert item["kind"] != "unanswerable", item["id"]
        else:
            assert not (item["reference_answer"] or item["gold_urls"] or item["keywords"] or item["pdf_only"])
            assert item["kind"] == "unanswerable", item["id"]
        pages = {g["url"] for g in item["gold_pages"]}
        assert pages <= set(item["gold_urls"]), item["id"]
        assert not item["pdf_only"] or all(u.lower().endswith(".pdf") for u in item["gold_urls"]), item["id"]


@pytest.mark.parametrize("name", NAMES)
def test_gold_sources_exist_and_hold_the_keywords(name: str) -> None:
    folder = _folder(name)
    if folder is None:
        pytest.skip(
            f"{name} is rebuild-only: run datasets/sites/{name}/rebuild.sh to make data/sites/{name}/site"
        )
    source = _source(name)
    (origin,) = {o.rstrip("/") for o in source["host_aliases"]}
    for item in _items(name):
        files = {url: _file(folder, origin, url) for url in item["gold_urls"]}
        for url, path in files.items():
            assert path.is_file(), f"{item['id']}: {url} is not in {folder}"
        pages = {g["url"]: g["page"] for g in item["gold_pages"]}
        for url in item["gold_urls"][:1] + list(pages):
            text = _text(files[url], pages.get(url))
            if source.get("render_js") and files[url].suffix != ".pdf":
                text += " " + _script_text(folder)  # the page is built by its scripts in the browser
            for keyword in item["keywords"]:
                assert _flat(keyword) in text, (
                    f"{item['id']}: {keyword!r} not in {url} (page {pages.get(url)})"
                )


def test_corpus_shares() -> None:
    items = [item for name in NAMES for item in _items(name)]
    assert len(items) >= 100
    pdf_only = sum(i["pdf_only"] for i in items) / len(items)
    unanswerable = sum(not i["answerable"] for i in items) / len(items)
    assert pdf_only >= 0.25, f"answered only in PDFs: {pdf_only:.0%} of {len(items)}"
    assert unanswerable >= 0.15, f"unanswerable: {unanswerable:.0%} of {len(items)}"
    assert sum(i["needs_newest"] for i in items) >= 5


@pytest.mark.parametrize("name", NAMES)
def test_source_is_a_valid_auskunft_source(name: str, tmp_path: Path) -> None:
    """What eval/loso.py crawls is what `auskunft sources check` accepts (the {port} placeholder filled in)."""
    from auskunft.sources import load_sources

    text = (SITES / name / "source.yml").read_text(encoding="utf-8").replace("{port}", "8999")
    (tmp_path / "sources.yml").write_text(text, encoding="utf-8")
    (source,) = load_sources(tmp_path / "sources.yml")
    assert source.name == name
