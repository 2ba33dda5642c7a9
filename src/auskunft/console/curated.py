"""Curated answers: editors write the answer to a frequent question; a visitor question that matches one
closely gets it (labelled, with its sources) before retrieval.

A match needs both: the cosine of the two questions' embeddings at or above `min_similarity`, and the key
terms of both questions mostly shared. The embedding alone is not enough: multilingual-e5 gives 0.96 to
"Wann endet die Saison?" vs "Wann beginnt die Saison?"; the key-term check tells those apart.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from auskunft.console import audit
from auskunft.console.db import ConsoleDB
from auskunft.console.models import CuratedAnswer, utcnow
from auskunft.errors import ValidationError

log = logging.getLogger(__name__)

STOPWORDS = frozenset(
    """aber alle als also am an auch auf aus bei beim bin bis bitte da dann das dass dem den denn der des die
    dies diese dieser dieses doch du ein eine einem einen einer eines er es etwa euch euer für gibt gilt habe
    haben hat hoch ich ihr im in ist ja jetzt kann kein keine man mich mir mit muss nach nicht noch nur ob oder
    sich sie sind so soll über um und uns unser viel viele vom von vor wann war warum was welche welcher welches
    wenn wer werden wie wieviel wir wird wo woher wohin zu zum zur a about an and are as at be can could do does
    for from have how i in is it me my of on or our please the there this to was we what when where which who
    why will with would you your""".split()
)
MIN_TERM_SHARE = 0.6
_WORD = re.compile(r"\w+", re.UNICODE)
_SUFFIXES = ("ern", "en", "er", "es", "e", "s")


class QueryEmbedder(Protocol):
    def embed_query(self, text: str) -> list[float]: ...


def key_terms(text: str) -> set[str]:
    out = set()
    for word in _WORD.findall(text.lower()):
        if word in STOPWORDS or (len(word) < 3 and not word.isdigit()):
            continue
        for suffix in _SUFFIXES:  # light stemming: Vereine ~ Verein, fees ~ fee
            if len(word) - len(suffix) >= 4 and word.endswith(suffix):
                word = word[: -len(suffix)]
                break
        out.add(word)
    return out


def _term_match(term: str, others: set[str]) -> bool:
    """Equal, or one a prefix of the other with 5+ letters shared (German compounds: Mitgliedsbeitrag)."""
    return any(
        term == o or (min(len(term), len(o)) >= 5 and (term.startswith(o) or o.startswith(term)))
        for o in others
    )


def terms_agree(a: str, b: str) -> bool:
    ta, tb = key_terms(a), key_terms(b)
    if not ta or not tb:
        return False
    share_a = sum(_term_match(t, tb) for t in ta) / len(ta)
    share_b = sum(_term_match(t, ta) for t in tb) / len(tb)
    return min(share_a, share_b) >= MIN_TERM_SHARE


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    na, nb = math.sqrt(sum(x * x for x in a)), math.sqrt(sum(y * y for y in b))
    return dot / (na * nb) if na and nb else 0.0


@dataclass(frozen=True)
class CuratedReply:
    id: int
    question: str
    answer: str
    sources: list[dict] = field(default_factory=list)  # [{"url": ..., "title": ...}]
    score: float = 0.0


class CuratedMatcher:
    """Finds the curated answer for a question; re-reads the table when it changed (checked every
    `refresh_s`, so edits made in another service process arrive within that time)."""

    def __init__(
        self, db: ConsoleDB, embedder: QueryEmbedder, min_similarity: float = 0.9, refresh_s: float = 5.0
    ) -> None:
        self.db = db
        self.embedder = embedder
        self.min_similarity = min_similarity
        self.refresh_s = refresh_s
        self._lock = threading.Lock()
        self._signature: tuple | None = None
        self._checked: float | None = None  # monotonic time of the last look at the table
        self._entries: list[tuple[CuratedReply, list[float]]] = []
        self._vectors: dict[tuple[int, str], list[float]] = {}

    def invalidate(self) -> None:
        self._checked = None

    def _refresh(self) -> None:
        if self._checked is not None and time.monotonic() - self._checked < self.refresh_s:
            return
        with self._lock, self.db.session() as s:
            self._checked = time.monotonic()
            sig = tuple(
                s.execute(
                    select(
                        func.count(), func.max(CuratedAnswer.updated_at), func.max(CuratedAnswer.id)
                    ).where(CuratedAnswer.active.is_(True))
                ).one()
            )
            if sig == self._signature:
                return
            rows = list(s.scalars(select(CuratedAnswer).where(CuratedAnswer.active.is_(True))))
            entries = []
            for row in rows:
                key = (row.id, row.question)
                if key not in self._vectors:
                    self._vectors[key] = self.embedder.embed_query(row.question)
                reply = CuratedReply(row.id, row.question, row.answer, list(row.sources or []))
                entries.append((reply, self._vectors[key]))
            self._entries, self._signature = entries, sig

    def match(self, question: str) -> CuratedReply | None:
        self._refresh()
        candidates = [(r, v) for r, v in self._entries if terms_agree(question, r.question)]
        if not candidates:
            return None  # no embedding needed
        qv = self.embedder.embed_query(question)
        score, best = max(((_cosine(qv, v), r) for r, v in candidates), key=lambda x: x[0])
        if score < self.min_similarity:
            return None
        with self.db.session() as s:
            s.execute(
                update(CuratedAnswer)
                .where(CuratedAnswer.id == best.id)
                .values(times_used=CuratedAnswer.times_used + 1)
            )
        return CuratedReply(best.id, best.question, best.answer, best.sources, round(score, 3))


# ------------------------------------------------------------------------------------ editing
def parse_sources(text: str) -> list[dict]:
    """One source per line: a URL, optionally followed by a title ("https://… Beitragsordnung")."""
    out = []
    for i, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        url, _, title = line.partition(" ")
        if not re.match(r"^https?://[^\s/]+", url):
            raise ValidationError(f"sources line {i}: not an http(s) URL: {url!r}", code="invalid_source_url")
        out.append({"url": url, "title": title.strip() or url})
    return out


def _check(question: str, answer: str) -> tuple[str, str]:
    question, answer = question.strip(), answer.strip()
    if not question or not answer:
        raise ValidationError("question and answer are required", code="missing_fields")
    if len(question) > 500 or len(answer) > 8000:
        raise ValidationError("question (500) or answer (8000 characters) too long", code="too_long")
    if not key_terms(question):
        raise ValidationError("the question has no words to match on", code="no_key_terms")
    return question, answer


def save(
    s: Session, actor: str, *, id_: int | None, question: str, answer: str, sources: str, active: bool
) -> CuratedAnswer:
    question, answer = _check(question, answer)
    srcs = parse_sources(sources)
    if id_ is None:
        row = CuratedAnswer(
            question=question, answer=answer, sources=srcs, active=active, created_by=actor, times_used=0
        )
        s.add(row)
        s.flush()
        audit.record(s, actor, "curated.create", f"#{row.id} {question}")
        return row
    found = s.get(CuratedAnswer, id_)
    if found is None:
        raise ValidationError("unknown curated answer", code="curated_not_found")
    found.question, found.answer, found.sources, found.active = question, answer, srcs, active
    found.updated_at = utcnow()
    audit.record(s, actor, "curated.update", f"#{found.id} {question}", active=active)
    return found


def delete(s: Session, actor: str, id_: int) -> None:
    row = s.get(CuratedAnswer, id_)
    if row is None:
        raise ValidationError("unknown curated answer", code="curated_not_found")
    s.delete(row)
    audit.record(s, actor, "curated.delete", f"#{id_} {row.question}")


def all_answers(s: Session) -> list[CuratedAnswer]:
    return list(s.scalars(select(CuratedAnswer).order_by(CuratedAnswer.updated_at.desc())))
