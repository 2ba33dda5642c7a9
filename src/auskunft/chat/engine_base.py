"""What the chat engine answers with, and how it reaches it safely: its parts (retriever, LLM, stores, event
log, extractive answerer, curated answers) and their start-up and closing, health, store calls bounded with a
back-off, the live index version, search offloaded through the admission gate, and the links an answer may keep.
The answer path itself is `ChatEngine` (engine.py).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeVar

from auskunft.chat.admission import WorkGate
from auskunft.chat.caching import cache_key
from auskunft.chat.config import ChatConfig
from auskunft.chat.extractive import extractive_answer
from auskunft.chat.links import LinkPolicy
from auskunft.chat.llm import LLMClient
from auskunft.chat.warmup import PassageWarmup, searcher_of
from auskunft.events import EventLog
from auskunft.models import RetrievedChunk
from auskunft.retrieval.base import Retriever
from auskunft.stores import AnswerCache, ConversationStore

log = logging.getLogger(__name__)
T = TypeVar("T")
# question -> the editors' reply (with .answer and .sources) when one matches closely, else None
CuratedLookup = Callable[[str], Any]


class EngineBase:
    """`retriever`: the search (`auskunft.retrieval.Retriever`); `config`: everything about the answer that
    settings decide. The live index version and revision change while it runs (`use_version`, the resolver).
    `ChatEngine` (engine.py) answers with these parts."""

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
        warmup: bool | None = None,
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
        # the live passages' text analyses made in the background (`start`); None: PASSAGE_WARMUP decides
        self._warmup_on = warmup
        self.warmup: PassageWarmup | None = None

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
                from auskunft.text import german_lexicon

                german_lexicon.start()
            if self.llm is not None:
                self.llm.start()
            self._started = True
            self._start_warmup()

    def _start_warmup(self) -> None:
        """Analyse the live index's passages in the background (`auskunft.chat.warmup`), when switched on and
        the retriever searches a store that can list them."""
        on = self._warmup_on
        if on is None:
            from auskunft.config import get_settings

            on = get_settings().passage_warmup
        found = searcher_of(self.retriever) if on else None
        if found is None:
            return
        from auskunft.chat.extractive.keywords import default_encoder

        self.warmup = PassageWarmup(
            *found,
            busy=lambda: self.gate is not None and self.gate.pending > 0,
            encoder=getattr(self.extractive, "encoder", None) or default_encoder(),
        )
        self.warmup.start()

    def close(self) -> None:
        if self.warmup is not None:  # before the store it reads closes
            self.warmup.close()
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
        return cache_key(
            question, query, sources, version=self.index_version, revision=self.index_revision, mode=self.mode
        )

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
        before = (self.index_version, self.index_revision)
        version, _, self.index_revision = version.partition("#")
        if version != self.index_version:
            log.info("live index is now %s (was %s)", version, self.index_version)
            self.index_version = version
        moved = self.index_version != before[0] or (before[1] and self.index_revision != before[1])
        if self.warmup is not None and moved:
            self.warmup.renew()  # a new generation: analyse its passages before visitors ask

    def link_policy(self, hits: list[RetrievedChunk]) -> LinkPolicy:
        """Links an answer may keep: the URLs of its sources and the allowed hosts."""
        urls = [u for h in hits for u in (h.chunk.url, h.chunk.cite_url)]
        return LinkPolicy(urls, self.link_hosts)
