"""QA sets (JSON lines) and BEIR-layout retrieval benchmarks (corpus.jsonl, queries.jsonl, qrels/test.tsv)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from pydantic import BaseModel

from auskunft.config import REPO_ROOT
from auskunft.errors import ConfigError

QA_DIR = REPO_ROOT / "datasets" / "qa"
BENCHMARKS_DIR = REPO_ROOT.parent / "shared" / "benchmarks"


class GoldPage(BaseModel):
    url: str
    page: int | None = None


class QAItem(BaseModel):
    id: str
    question: str
    reference_answer: str = ""
    gold_urls: list[str] = []
    gold_pages: list[GoldPage] = []
    language: str = "de"
    answerable: bool = True
    keywords: list[str] = []  # words/numbers a correct answer contains (keyword recall)
    pdf_only: bool = False  # the answer stands only in a PDF
    needs_newest: bool = False  # the site has several versions; only the newest is right
    kind: str = ""  # fact, procedure, where, multi, unanswerable


def resolve_dataset(name_or_path: str) -> Path:
    path = Path(name_or_path)
    if path.exists():
        return path
    candidate = QA_DIR / f"{name_or_path}.jsonl"
    if candidate.exists():
        return candidate
    known = sorted(p.stem for p in QA_DIR.glob("*.jsonl"))
    raise ConfigError(f"unknown QA dataset {name_or_path!r}: give a path or one of {known}")


def load_qa(name_or_path: str) -> list[QAItem]:
    path = resolve_dataset(name_or_path)
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                items.append(QAItem.model_validate_json(line))
            except ValueError as exc:
                raise ConfigError(f"{path}:{n}: invalid QA item: {exc}") from exc
    return items


class BeirSet(BaseModel):
    name: str
    corpus: dict[str, dict]  # doc id -> {title, text}
    queries: dict[str, str]  # query id -> text (only those with qrels)
    qrels: dict[str, dict[str, int]]  # query id -> {doc id: relevance}


def load_beir(name: str, root: Path = BENCHMARKS_DIR) -> BeirSet:
    base = root / name
    if not base.exists():
        raise ConfigError(
            f"benchmark {name!r} not found under {root} (../shared/benchmarks beside the checkout)"
        )
    corpus = {}
    with open(base / "corpus.jsonl", encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            corpus[str(d["_id"])] = {"title": d.get("title") or "", "text": d.get("text") or ""}
    qrels: dict[str, dict[str, int]] = {}
    with open(base / "qrels" / "test.tsv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if int(row["score"]) > 0:
                qrels.setdefault(str(row["query-id"]), {})[str(row["corpus-id"])] = int(row["score"])
    queries = {}
    with open(base / "queries.jsonl", encoding="utf-8") as fh:
        for line in fh:
            q = json.loads(line)
            if str(q["_id"]) in qrels:
                queries[str(q["_id"])] = q["text"]
    return BeirSet(name=name, corpus=corpus, queries=queries, qrels=qrels)
