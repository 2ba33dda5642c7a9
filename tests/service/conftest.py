"""The real service as a subprocess on a free loopback port, over a real index of the demo site
(`demo_data`, `llm_server` and `llm` are test-wide fixtures in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from auskunft.testing.service import Service, start_service, stop_service
from tests.support.fake_llm import FakeLLM


@pytest.fixture(scope="module")
def service(
    tmp_path_factory: pytest.TempPathFactory, demo_data: Path, redis_url: str, llm_server: FakeLLM
) -> Iterator[Service]:
    """LLM mode with Redis stores; started once per module (start-up loads the embedding model)."""
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    svc = start_service(
        tmp_path_factory.mktemp("svc"),
        demo_data,
        REDIS_URL=redis_url,
        LLM_MODEL="fake-model",
        OPENAI_BASE_URL=llm_server.base_url,
        OPENAI_API_KEY="sk-test",
        LLM_FIRST_TOKEN_TIMEOUT_S="2",
        LLM_TIMEOUT_S="5",
        RATE_LIMIT_IP_PER_MIN="1000",
        RATE_LIMIT_SESSION_PER_MIN="1000",
    )
    yield svc
    stop_service(svc)


@pytest.fixture(scope="module")
def extractive_service(tmp_path_factory: pytest.TempPathFactory, demo_data: Path) -> Iterator[Service]:
    """The embedded default (no LLM, no Redis) behind a trusted proxy: tests pick client IPs via X-Forwarded-For."""
    svc = start_service(
        tmp_path_factory.mktemp("svc"),
        demo_data,
        TRUST_PROXY="true",
        RATE_LIMIT_IP_PER_MIN="3",
        RATE_LIMIT_SESSION_PER_MIN="2",
    )
    yield svc
    stop_service(svc)
