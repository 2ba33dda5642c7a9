"""The ackersyndikat QA set points at real pages of ../shared/sites/ackersyndikat, and its keywords are there."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pymupdf
import pytest

from auskunft.evaluation.datasets import QA_DIR, load_qa

SITE = Path(__file__).resolve().parents[3] / "shared" / "sites" / "ackersyndikat" / "site"
pytestmark = pytest.mark.skipif(not SITE.exists(), reason="../shared/sites/ackersyndikat missing")


def _file(url: str) -> Path:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == "https://ackersyndikat.org", url
    path = SITE / parts.path.lstrip("/")
    return path / "index.html" if parts.path.endswith("/") else path


def _flat(text: str) -> str:
    return " ".join(text.split()).casefold()


def _text(path: Path, page: int | None = None) -> str:
    if path.suffix == ".pdf":
        with pymupdf.open(path) as pdf:
            pages = [pdf[page - 1]] if page else list(pdf)
            return _flat(" ".join(p.get_text() for p in pages))
    raw = path.read_text(encoding="utf-8")
    raw = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", raw, flags=re.S)
    return _flat(html.unescape(re.sub(r"<[^>]+>", " ", raw)))


def test_set_is_complete() -> None:
    items = load_qa("ackersyndikat")
    assert len(items) >= 30 and len({i.id for i in items}) == len(items)
    assert sum(not i.answerable for i in items) >= 6
    assert all(i.gold_urls and i.reference_answer for i in items if i.answerable)
    assert all(not i.gold_urls and not i.reference_answer for i in items if not i.answerable)
    assert any(i.gold_pages for i in items) and any(i.language == "en" for i in items)


def test_gold_sources_exist_and_hold_the_keywords() -> None:
    raw = {
        d["id"]: d
        for d in map(json.loads, (QA_DIR / "ackersyndikat.jsonl").read_text(encoding="utf-8").splitlines())
    }
    for item in load_qa("ackersyndikat"):
        for url in item.gold_urls:
            assert _file(url).is_file(), f"{item.id}: {url} is not in the site"
        pages = {g.url: g.page for g in item.gold_pages}
        assert set(pages) <= set(item.gold_urls), item.id
        keywords = raw[item.id].get("keywords") or []
        assert bool(keywords) == item.answerable, item.id
        # every keyword is in the gold page that the item names (the PDF page when given), and on the first
        # gold source at least
        for url in item.gold_urls[:1] + list(pages):
            text = _text(_file(url), pages.get(url))
            for kw in keywords:
                assert _flat(kw) in text, f"{item.id}: {kw!r} not in {url} (page {pages.get(url)})"
