"""The chat engine: rewrite -> retrieve -> (LLM | extractive) -> cited answer, as a stream of events.

`stream()` always ends: every await is bounded (stores, retrieval, LLM), an LLM failure before or during
the answer switches to the extractive answer with a notice, and any other failure after `meta` becomes
an `error` event. Event order: meta -> sources -> token* -> done | error. A `token` event with
`"reset": true` means the text so far is replaced (the LLM broke off and the fallback follows).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import inspect
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field

from auskunft.chat.admission import WorkGate
from auskunft.chat.config import ChatConfig
from auskunft.chat.extractive import extractive_answer
from auskunft.chat.links import LinkFilter, LinkPolicy
from auskunft.chat.llm import LLMClient
from auskunft.chat.prompts import LLM_FAILED_NOTICE, NOT_FOUND, build_messages, detect_language, is_not_found
from auskunft.chat.rewrite import rewrite
from auskunft.errors import AuskunftError, LLMError, ServiceBusyError, ValidationError
from auskunft.events import EventLog, clean_text
from auskunft.models import ChatEvent, Citation, RetrievedChunk
from auskunft.retrieval.base import Retriever
from auskunft.stores import AnswerCache, ConversationStore

log = logging.getLogger(__name__)
T = TypeVar("T")
# question -> the editors' reply (with .answer and .sources) when one matches closely, else None
CuratedLookup = Callable[[str], Any]
_CITE = re.compile(r"\[(\d{1,3})\]")
CURATED_NOTICE = {"de": "Antwort der Redaktion", "en": "Answer written by the editors"}
_CITE_LIST = re.compile(r"\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})+)\]")  # "[1, 3]" -> "[1][3]"


class ChatRequest(BaseModel):
    message: str
    session_id: str | None = None
    sources: list[str] | None = None
    lang: str | None = None  # a hint (the widget's language); the message's own language wins
    client_id: str | None = None  # hashed client IP, for the event log
    # stateless (OpenAI-compatible API): the client sends the history; nothing is read from or written to
    # the conversation store and no answer id is kept for feedback
    stateless: bool = False
    history: list[dict[str, str]] = Field(default_factory=list)


class ChatAnswer(BaseModel):
    answer_id: str
    session_id: str
    answer: str
    mode: Literal["llm", "extractive", "curated"]
    citations: list[Citation]
    notice: str | None = None
    found: bool = True
    # "answer" (confident), "closest" (the closest passages, labelled as possibly relevant, cited; found is
    # False) or "none" (nothing close was found)
    outcome: Literal["answer", "closest", "none"] = "answer"
    query: str = ""
    contexts: list[str] = Field(default_factory=list)
    timings: dict[str, float] = Field(default_factory=dict)


_MARKUP = re.compile(r"[#*_`>|]+")


@functools.lru_cache(maxsize=2048)  # every answer shows its passages' snippets: the same passages come back
def snippet(text: str, limit: int = 240) -> str:
    flat = " ".join(_MARKUP.sub(" ", text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"


def normalise_markers(answer: str) -> str:
    return _CITE_LIST.sub(lambda m: "".join(f"[{n}]" for n in re.split(r"\s*[,;]\s*", m.group(1))), answer)


def citations_for(answer: str, hits: list[RetrievedChunk], cited: list[int] | None = None) -> list[Citation]:
    """Citations for the [n] markers the answer uses, in order; numbers without a source are dropped."""
    numbers = cited if cited is not None else [int(n) for n in _CITE.findall(normalise_markers(answer))]
    out, seen = [], set()
    for n in numbers:
        if 1 <= n <= len(hits) and n not in seen:
            seen.add(n)
            c = hits[n - 1].chunk
            out.append(
                Citation(
                    n=n,
                    url=c.cite_url,
                    title=c.title,
                    page=c.page,
                    snippet=snippet(c.text),
                    source=c.source,
                    date=c.date,
                    also=hits[n - 1].also,
                )
            )
    return out


def strip_invalid_citations(answer: str, n_hits: int) -> str:
    """Drop [n] markers the model invented (no source n was given)."""
    answer = normalise_markers(answer)
    return _CITE.sub(lambda m: m.group(0) if 1 <= int(m.group(1)) <= n_hits else "", answer)


def _outcome(reply: tuple[str, list[int], bool]) -> Literal["answer", "closest", "none"]:
    """The extractive answer's outcome (`auskunft.chat.extractive.Answer.outcome`; a plain tuple: by found)."""
    outcome = getattr(reply, "outcome", None)
    if outcome in ("answer", "closest", "none"):
        return outcome  # type: ignore[no-any-return]
    return "answer" if reply[2] else "none"


def normalise(question: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", question.lower()).split())


@dataclass
class _Draft:
    """The answer being written (generated or extracted)."""

    mode: Literal["llm", "extractive", "curated"]
    answer: str = ""
    cited: list[int] | None = None
    found: bool = False
    outcome: Literal["answer", "closest", "none"] = "none"
    notice: str | None = None


@dataclass
class _Turn:
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


class ChatEngine:
    """`retriever`: the search (`auskunft.retrieval.Retriever`); `config`: everything about the answer that
    settings decide. The live index version and revision change while it runs (`use_version`, the resolver)."""

    def __init__(
        self,
        retriever: Retriever,
        llm: LLMClient | None,
        memory: ConversationStore,
        cache: AnswerCache,
        config: ChatConfig,
        *,
        events: EventLog | None = None,
        version_resolver: Callable[[], str | None] | None = None,
        on_close: list[Callable[[], None]] | None = None,
        gate: WorkGate | None = None,
        extractive: Callable[..., tuple[str, list[int], bool]] | None = None,
        curated: CuratedLookup | None = None,
    ) -> None:
        self.retriever = retriever
        self.llm = llm
        self.memory = memory
        self.cache = cache
        self.config = config
        self.index_version = config.index_version
        self.events = events
        self.version_resolver = version_resolver
        self.index_revision = ""  # changes with every incremental update of the live version
        self.on_close = list(on_close or [])
        # the answer without an LLM: keyword-only unless the factory passes the answerer by meaning
        self.extractive: Callable[..., tuple[str, list[int], bool]] = extractive or extractive_answer
        self._stores_down_until = 0.0
        self._version_checked = time.monotonic()
        self._started = False
        self.gate = gate  # created on first use unless the service passes one sized from its settings
        # curated answers (the console's matcher), asked before retrieval
        self.curated = curated

    @property
    def link_hosts(self) -> list[str]:
        return self.config.link_hosts

    def use_version(self, collection: str) -> None:
        """The live index is now `collection` (promotion or rollback in this process)."""
        self.index_version = collection

    # ------------------------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Load the query embedder and the extractive answer's language resources (safe to call twice)."""
        if not self._started:
            embedder = self.retriever.embedder
            if embedder is not None:
                embedder.start()
            start_extractive = getattr(self.extractive, "start", None)
            if callable(start_extractive):
                start_extractive()
            else:  # the keyword-only answer: its German key terms
                from auskunft.text import german

                german.start()
            if self.llm is not None:
                self.llm.start()
            self._started = True

    def close(self) -> None:
        if self.gate is not None:
            self.gate.close()
        for fn in self.on_close:
            try:
                fn()
            except Exception as exc:  # noqa: BLE001 - closing everything else still matters
                log.warning("closing %r failed: %s", fn, exc)
        self.on_close.clear()

    async def aclose(self) -> None:
        if self.llm is not None:
            await self.llm.close()
        for store in {id(self.memory): self.memory, id(self.cache): self.cache}.values():
            closer = getattr(store, "aclose", None)
            if closer is not None:
                await closer()
        self.close()

    @property
    def mode(self) -> Literal["llm", "extractive"]:
        return "llm" if self.llm is not None else "extractive"

    async def health(self) -> dict[str, Any]:
        """Readiness of the parts the engine uses (bounded; never raises)."""
        out: dict[str, Any] = {"mode": self.mode, "index_version": self.index_version}
        ping = getattr(self.memory, "ping", None)
        try:
            out["stores"] = (
                bool(await asyncio.wait_for(ping(), timeout=self.config.store_timeout_s)) if ping else True
            )
        except Exception:  # noqa: BLE001 - health reports, never raises
            out["stores"] = False
        if self.llm is not None:
            out["llm"] = await self.llm.ping()
        return out

    # ------------------------------------------------------------------------------------ helpers
    async def _bounded(self, awaitable: Awaitable[T], default: T, what: str) -> T:
        """A store call that cannot block an answer: bounded, and skipped for `store_backoff_s` after a
        failure (a Redis outage costs one timeout, not one per call)."""
        if time.monotonic() < self._stores_down_until:
            if inspect.iscoroutine(awaitable):
                awaitable.close()
            return default
        try:
            return await asyncio.wait_for(awaitable, timeout=self.config.store_timeout_s)
        except Exception as exc:  # noqa: BLE001 - a store outage degrades the answer, never blocks it
            log.warning(
                "%s failed (%s); stores skipped for %.0f s",
                what,
                type(exc).__name__,
                self.config.store_backoff_s,
            )
            self._stores_down_until = time.monotonic() + self.config.store_backoff_s
            return default

    def _cache_key(self, question: str, query: str, sources: list[str] | None) -> str:
        raw = "|".join(
            (
                normalise(question),
                normalise(query),
                self.index_version,
                self.index_revision,
                ",".join(sorted(sources or [])),
                self.mode,
            )
        )
        return hashlib.sha256(raw.encode()).hexdigest()

    def search(self, query: str, sources: list[str] | None = None) -> list[RetrievedChunk]:
        """The passages an answer to `query` sees, as configured (blocking: embeds and searches)."""
        c = self.config
        return self.retriever.search(
            query,
            top_k=c.top_k,
            mode=c.mode,
            prefetch_k=c.prefetch_k,
            score_threshold=c.score_threshold,
            sources=sources,
        )

    async def _retrieve(self, query: str, sources: list[str] | None) -> list[RetrievedChunk]:
        """Embedding and search off the event loop, through the admission gate (ServiceBusyError when full)."""
        return await self._offload(self.search, query, sources)

    async def _offload(self, fn: Callable[..., T], *args: Any, admit: bool = True) -> T:
        """CPU-bound work of an answer (search, extractive scoring) in the bounded executor, never on the loop.
        `admit=False` for a later step of an answer already admitted (queued, never refused half-way)."""
        if self.gate is None:
            self.gate = WorkGate()
        return await self.gate.run(fn, *args, timeout_s=self.config.retrieval_timeout_s, admit=admit)

    async def _refresh_version(self) -> None:
        """Pick up an alias switch or an incremental update made by another process (the cache key includes
        both). The resolver returns "<collection>" or "<collection>#<revision>"."""
        if (
            self.version_resolver is None
            or time.monotonic() - self._version_checked < self.config.version_refresh_s
        ):
            return
        self._version_checked = time.monotonic()
        try:
            version = await asyncio.wait_for(
                asyncio.to_thread(self.version_resolver), timeout=self.config.store_timeout_s
            )
        except Exception as exc:  # noqa: BLE001
            log.warning("index version check failed: %s", type(exc).__name__)
            return
        if not version:
            return
        version, _, self.index_revision = version.partition("#")
        if version != self.index_version:
            log.info("live index is now %s (was %s)", version, self.index_version)
            self.index_version = version

    # ------------------------------------------------------------------------------------ the answer
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
            self._log_turn(
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
        turn = _Turn(t0=t0, query=query, session_id=session_id, answer_id=answer_id)
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
        self._log_turn(
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

    async def _cached(self, key: str, turn: _Turn) -> tuple[ChatAnswer, list[dict]] | None:
        """The answer given to the same standalone question on the same index version, if still cached."""
        entry = await self._bounded(self.cache.get(key), None, "cache get")
        if not entry:
            return None
        try:
            result = ChatAnswer(
                answer_id=turn.answer_id,
                session_id=turn.session_id,
                answer=entry["answer"],
                mode=entry["mode"],
                citations=[Citation(**c) for c in entry["citations"]],
                notice=None,
                found=entry["found"],
                outcome=entry.get("outcome", "answer" if entry["found"] else "none"),
                query=turn.query,
            )
            return result, list(entry["sources"])
        except (KeyError, TypeError, ValueError):
            log.warning("ignoring unreadable cache entry")
            return None

    async def _retrieve_and_answer(
        self,
        req: ChatRequest,
        turn: _Turn,
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
        draft = _Draft(mode=self.mode)
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
        found, outcome = draft.found, draft.outcome
        turn.result = result = ChatAnswer(
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
        if cache_key and draft.notice is None:
            entry = {
                "answer": draft.answer,
                "mode": draft.mode,
                "found": found,
                "outcome": outcome,
                "sources": turn.sources,
                "citations": [c.model_dump(mode="json") for c in result.citations],
            }
            await self._bounded(self.cache.set(cache_key, entry), None, "cache set")

    async def _generate(
        self,
        llm: LLMClient,
        req: ChatRequest,
        turn: _Turn,
        language: str,
        history: list[dict[str, str]],
        hits: list[RetrievedChunk],
        draft: _Draft,
    ) -> AsyncIterator[ChatEvent]:
        """The LLM's answer, streamed through the link filter; on an LLM failure, the extractive fallback."""
        policy = self.link_policy(hits)
        links = LinkFilter(policy)
        answer = ""
        try:
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
        except LLMError as exc:
            log.warning("LLM failed, falling back to the extractive answer: %s", exc)
            async for ev in self._fallback(turn, language, hits, draft, notice=LLM_FAILED_NOTICE[language]):
                yield ev

    async def _fallback(
        self, turn: _Turn, language: str, hits: list[RetrievedChunk], draft: _Draft, *, notice: str | None
    ) -> AsyncIterator[ChatEvent]:
        """The extractive answer (no LLM, or the LLM failed: `notice` says so, and replaces partial text)."""
        extracted = await self._offload(self.extractive, turn.query, hits, language, admit=False)
        answer, draft.cited, draft.found = extracted
        draft.outcome = _outcome(extracted)
        draft.answer = self.link_policy(hits).apply(answer)
        draft.mode, draft.notice = "extractive", notice
        data: dict[str, Any] = {"text": draft.answer}
        if notice is not None:
            data["notice"] = notice
        if turn.first_token_ms is not None:
            data["reset"] = True  # the partial LLM text is replaced
        turn.first_token_ms = turn.first_token_ms or turn.elapsed_ms()
        yield ChatEvent(event="token", data=data)

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

    def _log_turn(
        self,
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
        if self.events is None:
            return
        try:
            self.events.write(
                "chat",
                answer_id=answer_id,
                session=self.events.hash_id(session_id),
                client=self.events.hash_id(req.client_id),
                question=clean_text(req.message[:500]),
                query=clean_text(query[:500]),
                mode=mode,
                found=found,
                outcome=outcome or ("answer" if found else "none"),  # extractive: "closest" besides these
                citations=citations,
                latency_ms=round((time.perf_counter() - t0) * 1000, 1),
                first_token_ms=round(first_token_ms, 1) if first_token_ms is not None else None,
                index_version=self.index_version,
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

    def link_policy(self, hits: list[RetrievedChunk]) -> LinkPolicy:
        """Links an answer may keep: the URLs of its sources and the allowed hosts."""
        urls = [u for h in hits for u in (h.chunk.url, h.chunk.cite_url)]
        return LinkPolicy(urls, self.link_hosts)

    async def rate(self, answer_id: str, rating: str | int, comment: str | None = None) -> None:
        """Feedback from a visitor: only for an answer this service issued, and only once per answer."""
        _rating(rating)  # a bad rating must not use up the answer's one feedback
        redeemed = await self._bounded(self.memory.redeem_answer(answer_id), False, "answer id redeem")
        if not redeemed:
            raise ValidationError(
                "no answer with this id is open for feedback (unknown, expired or already rated)",
                code="unknown_answer",
            )
        self.feedback(answer_id, rating, comment)

    def feedback(self, answer_id: str, rating: str | int, comment: str | None = None) -> None:
        """Record a visitor's rating of an answer: "up"/"down" (or +1/-1); logged with score +1/-1."""
        label, score = _rating(rating)
        if self.events is None:
            return
        self.events.write(
            "feedback",
            answer_id=answer_id,
            rating=label,
            score=score,
            comment=clean_text((comment or "").strip()[:2000]) or None,
        )


def _rating(rating: str | int) -> tuple[str, int]:
    if rating in ("up", 1, "+1", "1"):
        return "up", 1
    if rating in ("down", -1, "-1"):
        return "down", -1
    raise ValidationError("rating must be 'up' or 'down'", code="invalid_rating")
