"""How an answer's text is written, for one turn of the engine: the LLM's answer streamed through the link
filter, the extractive answer (no LLM, or the LLM failed), or the editors' curated answer."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal

from auskunft.chat.citations import citations_for, strip_invalid_citations
from auskunft.chat.links import LinkFilter, LinkPolicy
from auskunft.chat.llm import LLMClient
from auskunft.chat.prompts import build_messages, is_not_found
from auskunft.chat.schemas import ChatAnswer, ChatRequest
from auskunft.errors import AuskunftError, LLMError
from auskunft.models import ChatEvent, Citation, RetrievedChunk

CURATED_NOTICE = {"de": "Antwort der Redaktion", "en": "Answer written by the editors"}


@dataclass
class Draft:
    """The answer being written (generated or extracted)."""

    mode: Literal["llm", "extractive", "curated"]
    answer: str = ""
    cited: list[int] | None = None
    found: bool = False
    outcome: Literal["answer", "closest", "none"] = "none"
    notice: str | None = None


@dataclass
class Turn:
    """One answer as its steps fill it in: the result, the sources shown, when the first text went out."""

    t0: float
    query: str
    session_id: str
    answer_id: str
    result: ChatAnswer | None = None
    sources: list[dict] = field(default_factory=list)
    first_token_ms: float | None = None
    cached: bool = False

    def elapsed_ms(self) -> float:
        return (time.perf_counter() - self.t0) * 1000

    def answer(self) -> ChatAnswer:
        if self.result is None:
            raise AuskunftError("no answer was produced", code="internal_error")
        return self.result


async def llm_answer(
    llm: LLMClient,
    req: ChatRequest,
    turn: Turn,
    language: str,
    history: list[dict[str, str]],
    hits: list[RetrievedChunk],
    draft: Draft,
    policy: LinkPolicy,
) -> AsyncIterator[ChatEvent]:
    """The LLM's answer into `draft`, streamed through the link filter. Raises `LLMError` (also for an empty
    answer): the caller falls back to the extractive answer."""
    links = LinkFilter(policy)
    answer = ""
    messages = build_messages(req.message, hits, language, history, query=turn.query)
    async for delta in llm.stream(messages):
        if turn.first_token_ms is None:
            turn.first_token_ms = turn.elapsed_ms()
        answer += delta
        shown = links.feed(delta)
        if shown:
            yield ChatEvent(event="token", data={"text": shown})
    rest = links.flush()
    if rest:
        yield ChatEvent(event="token", data={"text": rest})
    answer = policy.apply(strip_invalid_citations(answer.strip(), len(hits)))
    if not answer:
        raise LLMError("LLM returned an empty answer")
    draft.answer = answer
    draft.found = not (is_not_found(answer) and not citations_for(answer, hits))
    draft.outcome = "answer" if draft.found else "none"


def extractive_outcome(reply: tuple[str, list[int], bool]) -> Literal["answer", "closest", "none"]:
    """The extractive answer's outcome (`auskunft.chat.extractive.Answer.outcome`; a plain tuple: by found)."""
    outcome = getattr(reply, "outcome", None)
    if outcome in ("answer", "closest", "none"):
        return outcome  # type: ignore[no-any-return]
    return "answer" if reply[2] else "none"


def extracted(
    reply: tuple[str, list[int], bool], turn: Turn, draft: Draft, policy: LinkPolicy, notice: str | None
) -> ChatEvent:
    """The extractive answer into `draft`, as the one token event that shows it (no LLM, or the LLM failed:
    `notice` says so, and `reset` replaces the partial text)."""
    answer, draft.cited, draft.found = reply
    draft.outcome = extractive_outcome(reply)
    draft.answer = policy.apply(answer)
    draft.mode, draft.notice = "extractive", notice
    data: dict[str, Any] = {"text": draft.answer}
    if notice is not None:
        data["notice"] = notice
    if turn.first_token_ms is not None:
        data["reset"] = True  # the partial LLM text is replaced
    turn.first_token_ms = turn.first_token_ms or turn.elapsed_ms()
    return ChatEvent(event="token", data=data)


def written(draft: Draft, turn: Turn, hits: list[RetrievedChunk]) -> ChatAnswer:
    """The finished draft as the turn's answer: citations only for an answer or the closest passages."""
    found, outcome = draft.found, draft.outcome
    return ChatAnswer(
        answer_id=turn.answer_id,
        session_id=turn.session_id,
        answer=draft.answer,
        mode=draft.mode,
        citations=citations_for(draft.answer, hits, draft.cited) if found or outcome == "closest" else [],
        notice=draft.notice,
        found=found,
        outcome=outcome,
        query=turn.query,
        contexts=[h.chunk.text for h in hits],
    )


def curated(
    hit: Any, query: str, language: str, session_id: str, answer_id: str
) -> tuple[ChatAnswer, list[dict]]:
    """The editors' reply (with .answer and .sources) as the turn's answer and the sources it shows."""
    citations = [
        Citation(
            n=i,
            url=str(src["url"]),
            title=str(src.get("title") or src["url"]),
            snippet="",
            source="curated",
        )
        for i, src in enumerate(hit.sources, 1)
    ]
    result = ChatAnswer(
        answer_id=answer_id,
        session_id=session_id,
        answer=hit.answer,
        mode="curated",
        citations=citations,
        notice=CURATED_NOTICE.get(language, CURATED_NOTICE["de"]),
        found=True,
        query=query,
    )
    return result, [c.model_dump(mode="json") for c in citations]
