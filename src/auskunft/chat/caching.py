"""The answer cache: an answer to a standalone question is kept under a key of the normalised question and
query, the live index version and revision, the sources asked about and the mode, and given again from there."""

from __future__ import annotations

import hashlib
import logging
import re
from typing import Any

from auskunft.chat.schemas import ChatAnswer
from auskunft.models import Citation

log = logging.getLogger(__name__)


def normalise(question: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", question.lower()).split())


def cache_key(
    question: str, query: str, sources: list[str] | None, *, version: str, revision: str, mode: str
) -> str:
    raw = "|".join(
        (
            normalise(question),
            normalise(query),
            version,
            revision,
            ",".join(sorted(sources or [])),
            mode,
        )
    )
    return hashlib.sha256(raw.encode()).hexdigest()


def cache_entry(result: ChatAnswer, sources: list[dict]) -> dict[str, Any]:
    """What is cached of an answer: its text, mode, outcome, the sources shown and the citations."""
    return {
        "answer": result.answer,
        "mode": result.mode,
        "found": result.found,
        "outcome": result.outcome,
        "sources": sources,
        "citations": [c.model_dump(mode="json") for c in result.citations],
    }


def cached_answer(
    entry: Any, *, answer_id: str, session_id: str, query: str
) -> tuple[ChatAnswer, list[dict]] | None:
    """A cache entry as this turn's answer and the sources it showed (None: no entry, or unreadable)."""
    if not entry:
        return None
    try:
        result = ChatAnswer(
            answer_id=answer_id,
            session_id=session_id,
            answer=entry["answer"],
            mode=entry["mode"],
            citations=[Citation(**c) for c in entry["citations"]],
            notice=None,
            found=entry["found"],
            outcome=entry.get("outcome", "answer" if entry["found"] else "none"),
            query=query,
        )
        return result, list(entry["sources"])
    except (KeyError, TypeError, ValueError):
        log.warning("ignoring unreadable cache entry")
        return None
