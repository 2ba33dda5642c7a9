"""The chat engine: rewrite -> retrieve -> (LLM | extractive) -> cited answer, as a stream of events."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator

from pydantic import BaseModel, Field

from auskunft.chat.extractive import extractive_answer
from auskunft.chat.llm import LLMClient
from auskunft.chat.prompts import LLM_FAILED_NOTICE, NOT_FOUND, build_messages, detect_language
from auskunft.chat.rewrite import rewrite
from auskunft.errors import LLMError
from auskunft.events import EventLog
from auskunft.models import ChatEvent, Citation, RetrievedChunk
from auskunft.retrieval import QdrantHybridRetriever
from auskunft.stores import AnswerCache, ConversationStore

log = logging.getLogger(__name__)
_CITE = re.compile(r"\[(\d{1,2})\]")


class ChatRequest(BaseModel):
    message: str
    session_id: str | None = None
    sources: list[str] | None = None
    lang: str | None = None
    client_id: str | None = None  # hashed client IP, for the event log


class ChatAnswer(BaseModel):
    answer_id: str
    session_id: str
    answer: str
    mode: str
    citations: list[Citation]
    notice: str | None = None
    found: bool = True
    query: str = ""
    contexts: list[str] = Field(default_factory=list)
    timings: dict[str, float] = Field(default_factory=dict)


def snippet(text: str, limit: int = 240) -> str:
    flat = " ".join(re.sub(r"[#*_`>|]+", " ", text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"


def citations_for(answer: str, hits: list[RetrievedChunk], cited: list[int] | None = None) -> list[Citation]:
    """Citations for the [n] markers the answer uses; numbers without a source are dropped."""
    numbers = cited if cited is not None else [int(n) for n in _CITE.findall(answer)]
    out, seen = [], set()
    for n in numbers:
        if 1 <= n <= len(hits) and n not in seen:
            seen.add(n)
            c = hits[n - 1].chunk
            out.append(Citation(n=n, url=c.cite_url, title=c.title, page=c.page, snippet=snippet(c.text), source=c.source))
    return out


def strip_invalid_citations(answer: str, n_hits: int) -> str:
    return _CITE.sub(lambda m: m.group(0) if 1 <= int(m.group(1)) <= n_hits else "", answer)


def normalise(question: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", question.lower()).split())


class ChatEngine:
    def __init__(self, retriever: QdrantHybridRetriever, llm: LLMClient | None, memory: ConversationStore,
                 cache: AnswerCache, *, index_version: str, events: EventLog | None = None,
                 max_history_turns: int = 6, retrieval_timeout_s: float = 10.0) -> None:
        self.retriever = retriever
        self.llm = llm
        self.memory = memory
        self.cache = cache
        self.index_version = index_version
        self.events = events
        self.max_history_turns = max_history_turns
        self.retrieval_timeout_s = retrieval_timeout_s
        self._started = False

    def start(self) -> None:
        if not self._started:
            self.retriever.searcher.embedder.start()
            self._started = True

    @property
    def mode(self) -> str:
        return "llm" if self.llm is not None else "extractive"

    def _cache_key(self, question: str, sources: list[str] | None) -> str:
        raw = f"{normalise(question)}|{self.index_version}|{','.join(sorted(sources or []))}|{self.mode}"
        return hashlib.sha256(raw.encode()).hexdigest()

    async def _retrieve(self, query: str, sources: list[str] | None) -> list[RetrievedChunk]:
        return await asyncio.wait_for(asyncio.to_thread(self.retriever.search, query, sources),
                                      timeout=self.retrieval_timeout_s)

    async def stream(self, req: ChatRequest) -> AsyncIterator[ChatEvent]:
        t0 = time.perf_counter()
        self.start()
        session_id = req.session_id or uuid.uuid4().hex
        answer_id = uuid.uuid4().hex
        language = req.lang if req.lang in ("de", "en") else detect_language(req.message)
        yield ChatEvent(event="meta", data={"session_id": session_id, "answer_id": answer_id, "mode": self.mode})
        history = (await self.memory.history(session_id))[-2 * self.max_history_turns:]
        query = await rewrite(req.message, history, self.llm)
        first_token_ms: float | None = None
        cache_key = self._cache_key(req.message, req.sources) if not history else None
        cached = await self.cache.get(cache_key) if cache_key else None
        if cached:
            yield ChatEvent(event="sources", data={"sources": cached["sources"]})
            first_token_ms = (time.perf_counter() - t0) * 1000
            yield ChatEvent(event="token", data={"text": cached["answer"]})
            result = ChatAnswer(answer_id=answer_id, session_id=session_id, answer=cached["answer"],
                                mode=cached["mode"], citations=[Citation(**c) for c in cached["citations"]],
                                notice=cached.get("notice"), found=cached["found"], query=query)
        else:
            try:
                hits = await self._retrieve(query, req.sources)
            except TimeoutError:
                log.error("retrieval timed out for %r", query)
                yield ChatEvent(event="error", data={"code": "retrieval_timeout", "message": "search timed out"})
                return
            sources = [c.model_dump() for c in citations_for("", hits, list(range(1, len(hits) + 1)))]
            yield ChatEvent(event="sources", data={"sources": sources})
            notice = None
            answer = ""
            cited: list[int] | None = None
            mode = self.mode
            if not hits:
                answer, found = NOT_FOUND[language], False
                first_token_ms = (time.perf_counter() - t0) * 1000
                yield ChatEvent(event="token", data={"text": answer})
            elif self.llm is not None:
                try:
                    async for delta in self.llm.stream(build_messages(req.message, hits, language, history)):
                        if first_token_ms is None:
                            first_token_ms = (time.perf_counter() - t0) * 1000
                        answer += delta
                        yield ChatEvent(event="token", data={"text": delta})
                    answer = strip_invalid_citations(answer.strip(), len(hits))
                    found = NOT_FOUND[language] not in answer and NOT_FOUND["en" if language == "de" else "de"] not in answer
                    if not answer:
                        raise LLMError("LLM returned an empty answer")
                except LLMError as exc:
                    log.warning("LLM failed, falling back to extractive answer: %s", exc)
                    notice, mode = LLM_FAILED_NOTICE[language], "extractive"
                    answer, cited, found = extractive_answer(req.message, hits, language)
                    yield ChatEvent(event="token", data={"text": ("\n\n" if first_token_ms else "") + answer})
                    first_token_ms = first_token_ms or (time.perf_counter() - t0) * 1000
            else:
                answer, cited, found = extractive_answer(query, hits, language)
                first_token_ms = (time.perf_counter() - t0) * 1000
                yield ChatEvent(event="token", data={"text": answer})
            result = ChatAnswer(answer_id=answer_id, session_id=session_id, answer=answer, mode=mode,
                                citations=citations_for(answer, hits, cited) if found else [], notice=notice,
                                found=found, query=query, contexts=[h.chunk.text for h in hits])
            if cache_key and notice is None:
                await self.cache.set(cache_key, {"answer": answer, "mode": mode, "found": found, "notice": notice,
                                                 "sources": sources,
                                                 "citations": [c.model_dump() for c in result.citations]})
        result.timings = {"total_ms": round((time.perf_counter() - t0) * 1000, 1),
                          "first_token_ms": round(first_token_ms or 0.0, 1)}
        yield ChatEvent(event="done", data=result.model_dump(exclude={"contexts", "query"}))
        await self.memory.append(session_id, req.message, result.answer)
        if self.events is not None:
            self.events.write("chat", answer_id=answer_id, session=hashlib.sha256(session_id.encode()).hexdigest()[:16],
                              client=req.client_id, question=req.message[:500], query=query[:500], mode=result.mode,
                              found=result.found, citations=[c.url for c in result.citations],
                              latency_ms=result.timings["total_ms"], first_token_ms=result.timings["first_token_ms"],
                              index_version=self.index_version, cached=bool(cached))

    async def answer(self, req: ChatRequest) -> ChatAnswer:
        final: dict = {}
        contexts: list[str] = []
        async for ev in self.stream(req):
            if ev.event == "sources":
                contexts = [s["snippet"] for s in ev.data["sources"]]
            elif ev.event == "done":
                final = ev.data
            elif ev.event == "error":
                from auskunft.errors import AuskunftError

                raise AuskunftError(ev.data["message"], code=ev.data["code"])
        ans = ChatAnswer.model_validate(final)
        ans.contexts = contexts
        return ans

    def feedback(self, answer_id: str, rating: str, comment: str | None) -> None:
        if self.events is not None:
            self.events.write("feedback", answer_id=answer_id, rating=rating, comment=(comment or "")[:2000])
