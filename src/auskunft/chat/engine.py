"""The chat engine: rewrite -> retrieve -> (LLM | extractive) -> cited answer, as a stream of events.

`stream()` always ends: every await is bounded (stores, retrieval, LLM), an LLM failure before or during
the answer switches to the extractive answer with a notice, and any other failure after `meta` becomes
an `error` event. Event order: meta -> sources -> token* -> done | error. A `token` event with
`"reset": true` means the text so far is replaced (the LLM broke off and the fallback follows).

The engine's parts, their lifecycle and safe access: engine_base.py; the answer's text (LLM, extractive,
curated): writing.py; the answer cache: caching.py; citations: citations.py; the event log: turn_log.py.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator

from auskunft.chat.caching import cache_entry, cached_answer, normalise
from auskunft.chat.citations import citations_for
from auskunft.chat.engine_base import EngineBase
from auskunft.chat.llm import LLMClient
from auskunft.chat.prompts import LLM_FAILED_NOTICE, NOT_FOUND, detect_language
from auskunft.chat.rewrite import rewrite
from auskunft.chat.schemas import ChatAnswer, ChatRequest
from auskunft.chat.turn_log import log_turn, parse_rating, record_feedback
from auskunft.chat.writing import Draft, Turn, curated, extracted, llm_answer, written
from auskunft.errors import AuskunftError, LLMError, ServiceBusyError, ValidationError
from auskunft.models import ChatEvent, RetrievedChunk

log = logging.getLogger(__name__)


class ChatEngine(EngineBase):
    """The answer path: curated -> cached -> retrieve -> generate (LLM) | fallback (extractive), as events;
    visitors' feedback on the answers it issued. Constructed with its parts (`EngineBase`)."""

    def stream(self, req: ChatRequest) -> AsyncIterator[ChatEvent]:
        """meta -> sources -> token* -> done (ChatAnswer without contexts and query) | error."""
        return self._events(req, with_contexts=False)

    async def _events(self, req: ChatRequest, *, with_contexts: bool) -> AsyncIterator[ChatEvent]:
        t0 = time.perf_counter()
        session_id = req.session_id or uuid.uuid4().hex
        answer_id = uuid.uuid4().hex
        yield ChatEvent(
            event="meta",
            data={
                "session_id": session_id,
                "answer_id": answer_id,
                "mode": self.mode,
                "link_hosts": self.link_hosts,  # links in the answer to other hosts are shown as text
            },
        )
        try:
            async for ev in self._answer(req, session_id, answer_id, t0, with_contexts):
                yield ev
        except ServiceBusyError as exc:  # admission control: a quick "come back in n s", not an error
            log.info("answer %s refused: search queue full", answer_id)
            yield ChatEvent(
                event="busy",
                data={"code": exc.code, "message": exc.message, "retry_after_s": exc.retry_after_s},
            )
        except Exception as exc:  # noqa: BLE001 - the stream must end with an event
            code = exc.code if isinstance(exc, AuskunftError) else "internal_error"
            log.exception("answer %s failed", answer_id)
            log_turn(
                self.events,
                self.index_version,
                req,
                session_id,
                answer_id,
                query=req.message,
                mode=self.mode,
                found=False,
                citations=[],
                t0=t0,
                first_token_ms=None,
                cached=False,
                lang=None,
                notice=None,
                error=code,
            )
            yield ChatEvent(
                event="error", data={"code": code, "message": "the answer could not be completed"}
            )

    async def _answer(
        self, req: ChatRequest, session_id: str, answer_id: str, t0: float, with_contexts: bool
    ) -> AsyncIterator[ChatEvent]:
        """curated -> cached -> retrieve -> generate (LLM) | fallback (extractive), then memory and the log."""
        self.start()
        timings: dict[str, float] = {}
        language = detect_language(req.message, req.lang if req.lang in ("de", "en") else "de")
        if req.stateless:
            history = list(req.history)
        else:
            history = await self._bounded(self.memory.history(session_id), [], "history")
        history = history[-2 * self.config.max_history_turns :]
        t = time.perf_counter()
        query = await rewrite(req.message, history, self.llm, timeout_s=self.config.rewrite_timeout_s)
        timings["rewrite_ms"] = (time.perf_counter() - t) * 1000
        await self._refresh_version()
        standalone = not history or normalise(query) == normalise(req.message)
        cache_key = self._cache_key(req.message, query, req.sources) if standalone else None
        turn = Turn(t0=t0, query=query, session_id=session_id, answer_id=answer_id)
        ready = await self._curated_answer(query, language, session_id, answer_id) if self.curated else None
        if ready is None and cache_key:
            ready = await self._cached(cache_key, turn)
            turn.cached = ready is not None
        if ready is not None:
            turn.result, turn.sources = ready
            yield ChatEvent(event="sources", data={"sources": turn.sources})
            turn.first_token_ms = turn.elapsed_ms()
            yield ChatEvent(event="token", data={"text": turn.result.answer})
        else:
            async for ev in self._retrieve_and_answer(req, turn, language, history, timings, cache_key):
                yield ev
        result = turn.answer()
        timings["first_token_ms"] = turn.first_token_ms or 0.0
        timings["total_ms"] = turn.elapsed_ms()
        result.timings = {k: round(v, 1) for k, v in timings.items()}
        if not req.stateless:
            # memory first: a follow-up sent right after `done` must see this turn
            await self._bounded(
                self.memory.append(session_id, req.message, result.answer, query=query),
                None,
                "history append",
            )
            await self._bounded(
                self.memory.issue_answer(answer_id, self.config.feedback_ttl_s), None, "answer id issue"
            )
        log_turn(
            self.events,
            self.index_version,
            req,
            session_id,
            answer_id,
            query=query,
            mode=result.mode,
            found=result.found,
            outcome=result.outcome,
            citations=[c.url for c in result.citations],
            t0=t0,
            first_token_ms=turn.first_token_ms,
            cached=turn.cached,
            lang=language,
            notice=result.notice,
            error=None,
            retrieved=[str(s.get("url")) for s in turn.sources],
            answer=result.answer,
        )
        exclude: set[str] = set() if with_contexts else {"contexts", "query"}
        yield ChatEvent(event="done", data=result.model_dump(exclude=exclude))

    async def _cached(self, key: str, turn: Turn) -> tuple[ChatAnswer, list[dict]] | None:
        """The answer given to the same standalone question on the same index version, if still cached."""
        entry = await self._bounded(self.cache.get(key), None, "cache get")
        return cached_answer(entry, answer_id=turn.answer_id, session_id=turn.session_id, query=turn.query)

    async def _retrieve_and_answer(
        self,
        req: ChatRequest,
        turn: Turn,
        language: str,
        history: list[dict[str, str]],
        timings: dict[str, float],
        cache_key: str | None,
    ) -> AsyncIterator[ChatEvent]:
        """Retrieve, then the LLM's answer or the extractive one; the result is cached unless it fell back."""
        t = time.perf_counter()
        try:
            hits = await self._retrieve(turn.query, req.sources)
        except TimeoutError as exc:
            raise AuskunftError("search timed out", code="retrieval_timeout") from exc
        timings["retrieve_ms"] = (time.perf_counter() - t) * 1000
        turn.sources = [
            c.model_dump(mode="json") for c in citations_for("", hits, list(range(1, len(hits) + 1)))
        ]
        yield ChatEvent(event="sources", data={"sources": turn.sources})
        draft = Draft(mode=self.mode)
        if not hits:
            draft.answer, draft.found = NOT_FOUND[language], False
            turn.first_token_ms = turn.elapsed_ms()
            yield ChatEvent(event="token", data={"text": draft.answer})
        elif self.llm is not None:
            async for ev in self._generate(self.llm, req, turn, language, history, hits, draft):
                yield ev
        else:
            async for ev in self._fallback(turn, language, hits, draft, notice=None):
                yield ev
        turn.result = result = written(draft, turn, hits)
        if cache_key and draft.notice is None:
            await self._bounded(
                self.cache.set(cache_key, cache_entry(result, turn.sources)), None, "cache set"
            )

    async def _generate(
        self,
        llm: LLMClient,
        req: ChatRequest,
        turn: Turn,
        language: str,
        history: list[dict[str, str]],
        hits: list[RetrievedChunk],
        draft: Draft,
    ) -> AsyncIterator[ChatEvent]:
        """The LLM's answer, streamed through the link filter; on an LLM failure, the extractive fallback."""
        policy = self.link_policy(hits)
        try:
            async for ev in llm_answer(llm, req, turn, language, history, hits, draft, policy):
                yield ev
        except LLMError as exc:
            log.warning("LLM failed, falling back to the extractive answer: %s", exc)
            async for ev in self._fallback(turn, language, hits, draft, notice=LLM_FAILED_NOTICE[language]):
                yield ev

    async def _fallback(
        self, turn: Turn, language: str, hits: list[RetrievedChunk], draft: Draft, *, notice: str | None
    ) -> AsyncIterator[ChatEvent]:
        """The extractive answer (no LLM, or the LLM failed: `notice` says so, and replaces partial text)."""
        reply = await self._offload(self.extractive, turn.query, hits, language, admit=False)
        yield extracted(reply, turn, draft, self.link_policy(hits), notice)

    async def _curated_answer(
        self, query: str, language: str, session_id: str, answer_id: str
    ) -> tuple[ChatAnswer, list[dict]] | None:
        """The editors' answer when the question matches a curated one closely (asked before retrieval)."""
        try:
            hit = await asyncio.wait_for(asyncio.to_thread(self.curated, query), timeout=5.0)  # type: ignore[arg-type]
        except Exception as exc:  # noqa: BLE001 - without curated answers the bot still answers
            log.warning("curated answer lookup failed: %s", type(exc).__name__)
            return None
        if hit is None:
            return None
        return curated(hit, query, language, session_id, answer_id)

    async def answer(self, req: ChatRequest) -> ChatAnswer:
        """The whole answer at once (JSON API, evaluation); `contexts` holds the retrieved texts."""
        final: dict = {}
        async for ev in self._events(req, with_contexts=True):
            if ev.event == "done":
                final = ev.data
            elif ev.event == "busy":
                raise ServiceBusyError(ev.data["message"], retry_after_s=ev.data["retry_after_s"])
            elif ev.event == "error":
                raise AuskunftError(ev.data["message"], code=ev.data["code"])
        return ChatAnswer.model_validate(final)

    async def rate(self, answer_id: str, rating: str | int, comment: str | None = None) -> None:
        """Feedback from a visitor: only for an answer this service issued, and only once per answer."""
        parse_rating(rating)  # a bad rating must not use up the answer's one feedback
        redeemed = await self._bounded(self.memory.redeem_answer(answer_id), False, "answer id redeem")
        if not redeemed:
            raise ValidationError(
                "no answer with this id is open for feedback (unknown, expired or already rated)",
                code="unknown_answer",
            )
        self.feedback(answer_id, rating, comment)

    def feedback(self, answer_id: str, rating: str | int, comment: str | None = None) -> None:
        """Record a visitor's rating of an answer: "up"/"down" (or +1/-1); logged with score +1/-1."""
        record_feedback(self.events, answer_id, rating, comment)
