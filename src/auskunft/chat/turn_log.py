"""What the chat engine writes to the event log: a line per answer (`log_turn`: question, outcome, citations,
timings; the console's reports read them) and per visitor rating (`record_feedback`)."""

from __future__ import annotations

import logging
import time

from auskunft.chat.schemas import ChatRequest
from auskunft.errors import ValidationError
from auskunft.events import EventLog, clean_text

log = logging.getLogger(__name__)


def log_turn(
    events: EventLog | None,
    index_version: str,
    req: ChatRequest,
    session_id: str,
    answer_id: str,
    *,
    query: str,
    mode: str,
    found: bool,
    citations: list[str],
    t0: float,
    first_token_ms: float | None,
    cached: bool,
    lang: str | None,
    notice: str | None,
    error: str | None,
    retrieved: list[str] | None = None,
    outcome: str | None = None,
    answer: str | None = None,
) -> None:
    if events is None:
        return
    try:
        events.write(
            "chat",
            answer_id=answer_id,
            session=events.hash_id(session_id),
            client=events.hash_id(req.client_id),
            question=clean_text(req.message[:500]),
            query=clean_text(query[:500]),
            mode=mode,
            found=found,
            outcome=outcome or ("answer" if found else "none"),  # extractive: "closest" besides these
            citations=citations,
            latency_ms=round((time.perf_counter() - t0) * 1000, 1),
            first_token_ms=round(first_token_ms, 1) if first_token_ms is not None else None,
            index_version=index_version,
            cached=cached,
            lang=lang,
            sources=req.sources,
            notice=notice,
            error=error,
            retrieved=retrieved,  # what the search found (the console's unanswered-questions report)
            answer=clean_text(answer[:2000]) if answer else None,  # shown beside the open questions
        )
    except (OSError, ValueError) as exc:  # the answer stands; a lost log line must not fail it
        log.error("event log write failed: %s", exc)


def parse_rating(rating: str | int) -> tuple[str, int]:
    if rating in ("up", 1, "+1", "1"):
        return "up", 1
    if rating in ("down", -1, "-1"):
        return "down", -1
    raise ValidationError("rating must be 'up' or 'down'", code="invalid_rating")


def record_feedback(events: EventLog | None, answer_id: str, rating: str | int, comment: str | None) -> None:
    """A visitor's rating of an answer: "up"/"down" (or +1/-1); logged with score +1/-1."""
    label, score = parse_rating(rating)
    if events is None:
        return
    events.write(
        "feedback",
        answer_id=answer_id,
        rating=label,
        score=score,
        comment=clean_text((comment or "").strip()[:2000]) or None,
    )
