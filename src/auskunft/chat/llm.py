"""The LLM through the openai client (any OpenAI-compatible server), with bounded waits."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

import openai
from openai import AsyncOpenAI

from auskunft.errors import LLMError

log = logging.getLogger(__name__)


class LLMClient:
    def __init__(self, *, model: str, base_url: str = "", api_key: str | None = None, temperature: float = 0.1,
                 max_tokens: int = 700, timeout_s: float = 30.0, first_token_timeout_s: float = 15.0,
                 retries: int = 1) -> None:
        self.model = model
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.timeout_s = timeout_s
        self.first_token_timeout_s = first_token_timeout_s
        self.retries = retries
        self.client = AsyncOpenAI(base_url=base_url or None, api_key=api_key or "not-needed", timeout=timeout_s,
                                  max_retries=0)

    async def stream(self, messages: list[dict[str, str]]) -> AsyncIterator[str]:
        """Yields text deltas. Retries only before the first token; raises LLMError on any failure."""
        deadline = time.monotonic() + self.timeout_s
        attempt = 0
        got_tokens = False
        while True:
            try:
                stream = await asyncio.wait_for(
                    self.client.chat.completions.create(
                        model=self.model, messages=messages, stream=True,  # type: ignore[arg-type]
                        temperature=self.temperature, max_tokens=self.max_tokens),
                    timeout=self.first_token_timeout_s)
                iterator = stream.__aiter__()
                first = True
                while True:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise LLMError("LLM answer took too long")
                    wait = min(remaining, self.first_token_timeout_s) if first else remaining
                    try:
                        chunk = await asyncio.wait_for(iterator.__anext__(), timeout=wait)
                    except StopAsyncIteration:
                        return
                    if not chunk.choices:
                        continue
                    delta = chunk.choices[0].delta.content
                    if delta:
                        first = False
                        got_tokens = True
                        yield delta
            except LLMError:
                raise
            except (TimeoutError, asyncio.TimeoutError) as exc:
                err = LLMError("LLM timed out")
                cause: BaseException = exc
            except openai.APIStatusError as exc:
                err = LLMError(f"LLM returned HTTP {exc.status_code}")
                cause = exc
            except (openai.APIError, ValueError, KeyError, AttributeError) as exc:
                err = LLMError(f"LLM failed: {type(exc).__name__}")
                cause = exc
            if attempt >= self.retries or time.monotonic() > deadline or got_tokens:
                raise err from cause
            attempt += 1
            log.warning("LLM attempt %d failed (%s), retrying", attempt, err)
            await asyncio.sleep(0.2)

    async def complete(self, messages: list[dict[str, str]], max_tokens: int = 100) -> str:
        try:
            resp = await asyncio.wait_for(self.client.chat.completions.create(
                model=self.model, messages=messages, temperature=0, max_tokens=max_tokens),  # type: ignore[arg-type]
                timeout=self.first_token_timeout_s)
        except (TimeoutError, asyncio.TimeoutError, openai.APIError) as exc:
            raise LLMError(f"LLM failed: {type(exc).__name__}") from exc
        return (resp.choices[0].message.content or "").strip() if resp.choices else ""

    async def ping(self) -> bool:
        try:
            await asyncio.wait_for(self.client.models.list(), timeout=3)
            return True
        except Exception:  # readiness only
            return False

    async def close(self) -> None:
        await self.client.close()
