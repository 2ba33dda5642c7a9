"""The demo QA set points at real pages of datasets/demo-site, and the reference answers are in them."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pymupdf
import pytest

from auskunft.errors import ConfigError
from auskunft.evaluation.datasets import load_qa

SITE = Path(__file__).resolve().parents[2] / "datasets" / "demo-site"


def _file(url: str) -> Path:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == "http://localhost:8765", url  # the demo site's public origin
    path = SITE / parts.path.lstrip("/")
    return path / "index.html" if parts.path.endswith("/") else path


def test_demo_qa_set_is_complete() -> None:
    items = load_qa("demo-site")
    assert len(items) >= 30 and len({i.id for i in items}) == len(items)
    assert sum(not i.answerable for i in items) >= 3
    assert sum(i.language == "en" for i in items) >= 3
    assert all(i.gold_urls and i.reference_answer for i in items if i.answerable)
    assert all(not i.gold_urls for i in items if not i.answerable)
    assert any(i.gold_pages for i in items)


def test_gold_sources_exist_and_hold_the_answer() -> None:
    for item in load_qa("demo-site"):
        for url in item.gold_urls:
            assert _file(url).is_file(), f"{item.id}: {url} is not in datasets/demo-site"
        for gold in item.gold_pages:
            assert gold.url in item.gold_urls, item.id
            with pymupdf.open(_file(gold.url)) as pdf:
                assert gold.page is not None and 1 <= gold.page <= pdf.page_count, (
                    f"{item.id}: page {gold.page}"
                )
                text = pdf[gold.page - 1].get_text()
            if not text.strip():
                continue  # a scanned page (no text layer): its answer comes through OCR
            # every number of the reference answer (amounts, dates) is on the gold page
            for number in re.findall(r"\d+(?:[.,]\d+)?", item.reference_answer):
                assert number in text, f"{item.id}: {number!r} not on {gold.url} page {gold.page}"


def test_loader_reports_bad_lines(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "question": "q"}\n{"id": 1}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="bad.jsonl:2"):
        load_qa(str(bad))
    with pytest.raises(ConfigError, match="demo-site"):
        load_qa("no-such-set")
