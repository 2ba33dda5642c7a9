"""Curated answers: editors write the answer to a frequent question, in several wordings; a visitor question
that asks the same as one of the wordings gets it (labelled, with its sources) before retrieval.

Whether two questions ask the same is decided in auskunft.console.matching (the retrieval embedder's cosine,
the key terms both share with the German normaliser, the kind of answer asked for), with parameters chosen
on datasets/paraphrases/de.jsonl.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from auskunft.console import audit
from auskunft.console.db import ConsoleDB
from auskunft.console.forms import Collector
from auskunft.console.matching import DEFAULT_PARAMS, MatchParams, PairScore, pair_score, same_intent
from auskunft.console.models import CuratedAnswer, DoneQuestion, utcnow
from auskunft.console.terms import key_terms
from auskunft.errors import ValidationError

log = logging.getLogger(__name__)


class QueryEmbedder(Protocol):
    def embed_query(self, text: str) -> list[float]: ...


@dataclass(frozen=True)
class CuratedReply:
    id: int
    question: str
    answer: str
    sources: list[dict] = field(default_factory=list)  # [{"url": ..., "title": ...}]
    score: float = 0.0
    wording: str = ""  # the wording that matched


@dataclass(frozen=True)
class Candidate:
    """One curated answer as scored for a question (the "Frage testen" box shows these)."""

    reply: CuratedReply
    wording: str
    score: PairScore
    value: float
    matched: bool


class CuratedMatcher:
    """Finds the curated answer for a question; re-reads the table when it changed (checked every
    `refresh_s`, so edits made in another service process arrive within that time). `min_similarity` is
    accepted for the old setting and not used: `params` decide (chosen on the paraphrase set)."""

    def __init__(
        self,
        db: ConsoleDB,
        embedder: QueryEmbedder,
        min_similarity: float | None = None,
        refresh_s: float = 5.0,
        params: MatchParams = DEFAULT_PARAMS,
    ) -> None:
        self.db = db
        self.embedder = embedder
        self.params = params
        self.refresh_s = refresh_s
        self._lock = threading.Lock()
        self._signature: tuple | None = None
        self._checked: float | None = None  # monotonic time of the last look at the table
        self._entries: list[tuple[CuratedReply, str, list[float]]] = []  # (answer, wording, vector)
        self._vectors: dict[str, list[float]] = {}

    def invalidate(self) -> None:
        self._checked = None

    def vector(self, text: str) -> list[float]:
        if text not in self._vectors:
            if len(self._vectors) > 20_000:
                self._vectors.clear()
            self._vectors[text] = self.embedder.embed_query(text)
        return self._vectors[text]

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
                reply = CuratedReply(row.id, row.question, row.answer, list(row.sources or []))
                for wording in row.all_wordings:
                    entries.append((reply, wording, self.vector(wording)))
            self._entries, self._signature = entries, sig

    def candidates(self, question: str, limit: int = 5) -> list[Candidate]:
        """The curated answers ranked for `question` (best wording of each), whether they match or not."""
        self._refresh()
        if not self._entries or not question.strip():
            return []
        qv = self.vector(question)
        best: dict[int, Candidate] = {}
        for reply, wording, vec in self._entries:
            score = pair_score(question, wording, qv, vec)
            value = score.value(self.params)
            if reply.id not in best or value > best[reply.id].value:
                best[reply.id] = Candidate(
                    reply, wording, score, round(value, 4), same_intent(score, self.params)
                )
        return sorted(best.values(), key=lambda c: -c.value)[:limit]

    def find(self, question: str) -> CuratedReply | None:
        """The matching curated answer, without counting its use."""
        top = next(iter(self.candidates(question, 1)), None)
        if top is None or not top.matched:
            return None
        r = top.reply
        return CuratedReply(r.id, r.question, r.answer, r.sources, top.value, top.wording)

    def match(self, question: str) -> CuratedReply | None:
        """The matching curated answer for a visitor (its use is counted)."""
        found = self.find(question)
        if found is not None:
            with self.db.session() as s:
                s.execute(
                    update(CuratedAnswer)
                    .where(CuratedAnswer.id == found.id)
                    .values(times_used=CuratedAnswer.times_used + 1)
                )
        return found


# ------------------------------------------------------------------------------------ editing
def parse_sources(text: str, errors: Collector | None = None) -> list[dict]:
    """One source per line: a URL, optionally followed by a title ("https://… Beitragsordnung")."""
    out = []
    for i, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        url, _, title = line.partition(" ")
        if not re.match(r"^https?://[^\s/]+", url):
            if errors is None:
                raise ValidationError(
                    f"sources line {i}: not an http(s) URL: {url!r}", code="invalid_source_url"
                )
            errors.add("sources", "err_source_line", line=i, url=url)
            continue
        out.append({"url": url, "title": title.strip() or url})
    return out


def parse_wordings(text: str, question: str) -> list[str]:
    """Further wordings, one per line (the question itself and repeats dropped)."""
    out: list[str] = []
    for line in text.splitlines():
        line = " ".join(line.split())
        if line and line != question and line not in out:
            out.append(line[:500])
    return out[:50]


def save(
    s: Session,
    actor: str,
    *,
    id_: int | None,
    question: str,
    answer: str,
    sources: str,
    active: bool,
    wordings: str = "",
    closes: str = "",
) -> CuratedAnswer:
    """Create or update; `closes`: the open question (normalised wording) this answer was written for,
    marked done with a link to the answer."""
    errors = Collector()
    question, answer = question.strip(), answer.strip()
    if not question:
        errors.add("question", "err_required")
    elif len(question) > 500:
        errors.add("question", "err_too_long", n=500)
    elif not key_terms(question):
        errors.add("question", "err_no_key_terms")
    if not answer:
        errors.add("answer", "err_required")
    elif len(answer) > 8000:
        errors.add("answer", "err_too_long", n=8000)
    srcs = parse_sources(sources, errors)
    errors.raise_if_any()
    more = parse_wordings(wordings, question)
    if id_ is None:
        row = CuratedAnswer(
            question=question,
            wordings=more,
            answer=answer,
            sources=srcs,
            active=active,
            created_by=actor,
            times_used=0,
        )
        s.add(row)
        s.flush()
        audit.record(s, actor, "curated.create", f"#{row.id} {question}")
    else:
        found = s.get(CuratedAnswer, id_)
        if found is None:
            raise ValidationError("unknown curated answer", code="curated_not_found")
        found.question, found.answer, found.sources, found.active = question, answer, srcs, active
        found.wordings = more
        found.updated_at = utcnow()
        audit.record(s, actor, "curated.update", f"#{found.id} {question}", active=active)
        row = found
    if closes:
        close_question(s, actor, closes, row.id)
    return row


def close_question(s: Session, actor: str, key: str, answer_id: int | None) -> None:
    done = s.get(DoneQuestion, key[:500])
    if done is None:
        s.add(DoneQuestion(question=key[:500], done_by=actor, answer_id=answer_id))
    else:
        done.done_at, done.done_by, done.answer_id = utcnow(), actor, answer_id
    audit.record(s, actor, "question.done", key, answer=answer_id)


def delete(s: Session, actor: str, id_: int) -> None:
    row = s.get(CuratedAnswer, id_)
    if row is None:
        raise ValidationError("unknown curated answer", code="curated_not_found")
    s.delete(row)
    audit.record(s, actor, "curated.delete", f"#{id_} {row.question}")


def all_answers(s: Session) -> list[CuratedAnswer]:
    return list(s.scalars(select(CuratedAnswer).order_by(CuratedAnswer.updated_at.desc())))
