"""The LLM through the openai client (any OpenAI-compatible server), with bounded waits.

Two deadlines bound every answer: the first token must arrive within `first_token_timeout_s` (retries
included), the whole answer within `timeout_s`. Failures before the first token (connection errors,
HTTP 5xx and 429) are retried while the first-token deadline allows; after the first token nothing is
retried. Every failure surfaces as :class:`LLMError`, so callers can fall back to the extractive answer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any, cast

import openai
from openai import AsyncOpenAI

from auskunft.errors import LLMError

log = logging.getLogger(__name__)

_RETRYABLE_STATUS = {408, 409, 429, 500, 502, 503, 504}


def _describe(exc: BaseException) -> str:
    if isinstance(exc, openai.APIStatusError):
        return f"HTTP {exc.status_code}"
    if isinstance(exc, TimeoutError):
        return "timeout"
    return type(exc).__name__


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in _RETRYABLE_STATUS
    return isinstance(exc, openai.APIConnectionError)


class LLMClient:
    def __init__(
        self,
        *,
        model: str,
        base_url: str = "",
        api_key: str | None = None,
        temperature: float = 0.1,
        max_tokens: int = 700,
        timeout_s: float = 30.0,
        first_token_timeout_s: float = 15.0,
        retries: int = 1,
        connect_timeout_s: float = 5.0,
    ) -> None:
        self.model = model
        self.base_url = base_url
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.timeout_s = timeout_s
        self.first_token_timeout_s = min(first_token_timeout_s, timeout_s)
        self.retries = retries
        self._kwargs: dict[str, Any] = {
            "base_url": base_url or None,
            "api_key": api_key or "not-needed",
            "max_retries": 0,
            "timeout": openai.Timeout(timeout_s, connect=min(connect_timeout_s, timeout_s)),
        }
        self._clients: dict[int, tuple[asyncio.AbstractEventLoop, AsyncOpenAI]] = {}
        self._started = False

    def start(self) -> None:
        """Import what the first request would import lazily (~0.5 s), so it does not eat into the
        first visitor's first-token deadline. Safe to call twice."""
        if not self._started:
            from openai.types.chat import ChatCompletionChunk  # noqa: F401

            AsyncOpenAI(**self._kwargs).chat.completions  # noqa: B018 - resolves the lazy resource modules
            self._started = True

    @property
    def client(self) -> AsyncOpenAI:
        """The openai client of the running event loop (its connections cannot move between loops:
        `asyncio.run()` per call, as scripts and the evaluation do, gets a fresh one each time)."""
        loop = asyncio.get_running_loop()
        entry = self._clients.get(id(loop))
        if entry is None or entry[0] is not loop:
            for key, (other, _) in list(self._clients.items()):
                if other.is_closed():
                    del self._clients[key]
            entry = (loop, AsyncOpenAI(**self._kwargs))
            self._clients[id(loop)] = entry
        return entry[1]

    async def _open(self, messages: list[dict[str, str]], first_deadline: float) -> tuple[Any, Any]:
        """The stream and its first content-bearing chunk; retried within the first-token deadline."""
        attempt = 0
        while True:
            stream: Any = None
            try:
                async with asyncio.timeout_at(_loop_time(first_deadline)):
                    stream = await self.client.chat.completions.create(
                        model=self.model,
                        messages=cast(Any, messages),
                        stream=True,
                        temperature=self.temperature,
                        max_tokens=self.max_tokens,
                    )
                    while True:
                        try:
                            chunk = await stream.__anext__()
                        except StopAsyncIteration:
                            raise LLMError("LLM stream ended before any text") from None
                        if _text(chunk) or _finish(chunk):
                            return stream, chunk
            except LLMError:
                await _close(stream)
                raise
            except asyncio.CancelledError:
                await _close(stream)
                raise
            except Exception as exc:  # noqa: BLE001 - every transport/protocol/parse failure becomes LLMError
                await _close(stream)
                left = first_deadline - time.monotonic()
                if (
                    isinstance(exc, TimeoutError)
                    or not _retryable(exc)
                    or attempt >= self.retries
                    or left < 0.3
                ):
                    raise LLMError(f"LLM failed before the first token: {_describe(exc)}") from exc
                attempt += 1
                log.warning("LLM attempt %d failed (%s), retrying", attempt, _describe(exc))
                await asyncio.sleep(min(0.2 * attempt, left / 4))

    async def stream(self, messages: list[dict[str, str]]) -> AsyncIterator[str]:
        """Yields text deltas. Raises LLMError on timeout, HTTP errors, a broken or unterminated stream."""
        start = time.monotonic()
        deadline = start + self.timeout_s
        stream, chunk = await self._open(messages, start + self.first_token_timeout_s)
        finished = False
        try:
            while True:
                text = _text(chunk)
                if text:
                    yield text
                if _finish(chunk):
                    finished = True
                    return
                try:
                    async with asyncio.timeout_at(_loop_time(deadline)):
                        chunk = await stream.__anext__()
                except StopAsyncIteration:
                    raise LLMError("LLM stream ended without a finish reason") from None
                except TimeoutError as exc:
                    raise LLMError(f"LLM answer took longer than {self.timeout_s:g} s") from exc
                except Exception as exc:  # noqa: BLE001 - broken connection, invalid JSON, API error event
                    raise LLMError(f"LLM stream broke: {_describe(exc)}") from exc
        finally:
            if not finished:
                await _close(stream)

    async def complete(
        self, messages: list[dict[str, str]], max_tokens: int = 100, timeout_s: float | None = None
    ) -> str:
        """A short non-streamed completion (query rewriting), bounded by `timeout_s`."""
        try:
            async with asyncio.timeout(timeout_s or self.first_token_timeout_s):
                resp = await self.client.chat.completions.create(
                    model=self.model, messages=cast(Any, messages), temperature=0, max_tokens=max_tokens
                )
        except Exception as exc:  # noqa: BLE001
            raise LLMError(f"LLM failed: {_describe(exc)}") from exc
        try:
            return (resp.choices[0].message.content or "").strip()
        except (AttributeError, IndexError, TypeError) as exc:
            raise LLMError("LLM returned an unreadable completion") from exc

    async def ping(self, timeout_s: float = 3.0) -> bool:
        try:
            async with asyncio.timeout(timeout_s):
                await self.client.models.list()
            return True
        except Exception as exc:  # noqa: BLE001 - readiness only
            log.info("LLM ping failed: %s", _describe(exc))
            return False

    async def close(self) -> None:
        """Close the client of the running loop (the others belong to loops that are gone)."""
        entry = self._clients.pop(id(asyncio.get_running_loop()), None)
        if entry is not None:
            await entry[1].close()


def _loop_time(monotonic_deadline: float) -> float:
    """asyncio's clock for a time.monotonic() deadline."""
    return asyncio.get_running_loop().time() + (monotonic_deadline - time.monotonic())


def _text(chunk: Any) -> str:
    choices = getattr(chunk, "choices", None)
    if not choices:
        return ""
    delta = getattr(choices[0], "delta", None)
    content = getattr(delta, "content", None)
    return content if isinstance(content, str) else ""


def _finish(chunk: Any) -> bool:
    choices: Any = getattr(chunk, "choices", None)
    return bool(choices) and bool(getattr(choices[0], "finish_reason", None))


async def _close(stream: Any) -> None:
    if stream is None:
        return
    try:
        await asyncio.wait_for(stream.close(), timeout=1.0)
    except Exception as exc:  # noqa: BLE001 - closing a broken connection may fail again
        log.debug("closing LLM stream: %s", exc)
