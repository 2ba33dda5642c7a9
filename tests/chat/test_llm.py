"""LLMClient against the scripted fake server: deadlines, retries before the first token only, errors."""

from __future__ import annotations

import asyncio
import time

import pytest

from auskunft.chat.llm import LLMClient
from auskunft.errors import LLMError
from tests.support.fake_llm import Behaviour, FakeLLM

MESSAGES = [
    {"role": "system", "content": "Answer in German"},
    {"role": "user", "content": '<sources>\n<source n="1" title="a">x</source>\n</sources>'},
]


async def _stream(llm: LLMClient) -> str:
    return "".join([d async for d in llm.stream(MESSAGES)])


def test_one_client_serves_several_event_loops(fake: FakeLLM) -> None:
    """Scripts and the evaluation call asyncio.run() per question."""
    llm = LLMClient(model="fake-model", base_url=fake.base_url)
    first = asyncio.run(_stream(llm))
    second = asyncio.run(_stream(llm))
    assert first == second and "[1]" in first


@pytest.mark.asyncio
async def test_retries_stay_inside_the_first_token_deadline(fake: FakeLLM) -> None:
    fake.default = Behaviour(kind="error", status=503)
    llm = LLMClient(
        model="fake-model", base_url=fake.base_url, retries=5, first_token_timeout_s=0.8, timeout_s=5
    )
    t0 = time.monotonic()
    with pytest.raises(LLMError, match="HTTP 503"):
        await _stream(llm)
    assert time.monotonic() - t0 < 1.2
    assert 2 <= len(fake.chat_requests) <= 6
    await llm.close()


@pytest.mark.asyncio
async def test_client_errors_are_not_retried_and_mid_stream_errors_not_either(fake: FakeLLM) -> None:
    llm = LLMClient(model="fake-model", base_url=fake.base_url, retries=3)
    fake.script(Behaviour(kind="error", status=401))
    with pytest.raises(LLMError, match="HTTP 401"):
        await _stream(llm)
    assert len(fake.chat_requests) == 1
    fake.script(Behaviour(kind="broken", tokens_before_break=2))
    got: list[str] = []
    with pytest.raises(LLMError, match="broke"):
        async for delta in llm.stream(MESSAGES):
            got.append(delta)
    assert len(got) == 2 and len(fake.chat_requests) == 2
    await llm.close()


@pytest.mark.asyncio
async def test_complete_and_ping(fake: FakeLLM) -> None:
    llm = LLMClient(model="fake-model", base_url=fake.base_url)
    assert "[1]" in await llm.complete(MESSAGES)
    fake.script(Behaviour(kind="garbage"))
    with pytest.raises(LLMError):
        await llm.complete(MESSAGES)
    fake.script(Behaviour(headers_delay_s=5))
    t0 = time.monotonic()
    with pytest.raises(LLMError, match="timeout"):
        await llm.complete(MESSAGES, timeout_s=0.5)
    assert time.monotonic() - t0 < 1.5
    assert await llm.ping()
    await llm.close()
    dead = LLMClient(model="m", base_url="http://127.0.0.1:9/v1")
    assert not await dead.ping(timeout_s=1)
    await dead.close()
