"""The real service as a subprocess on a free loopback port, over a real index of the demo site."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.support.demo_index import build_demo_data
from tests.support.fake_llm import FakeLLM, fake_llm
from tests.support.procs import NotUp, free_port, stop, wait_http

ADMIN_TOKEN = "test-admin-token-123"
ORIGIN = "https://www.kanupolo.example"


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("demo") / "data"
    build_demo_data(data)
    return data


@dataclass
class Service:
    url: str
    proc: subprocess.Popen
    data_dir: Path
    env: dict[str, str] = field(default_factory=dict)

    def client(self, **kw: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, trust_env=False, **kw)  # type: ignore[arg-type]


def start_service(tmp_path: Path, demo_data: Path, **env: str) -> Service:
    data = tmp_path / "svc-data"
    shutil.copytree(demo_data, data)  # local Qdrant storage: one process per copy
    sources = demo_data.parent / f"{demo_data.name}-sources.yml"
    shutil.copy(sources, tmp_path / "sources.yml")
    port = free_port()
    full_env = {
        k: v for k, v in os.environ.items() if not k.startswith(("REDIS_", "LLM_", "OPENAI_", "QDRANT_"))
    }
    full_env |= {
        "DATA_DIR": str(data),
        "SOURCES_FILE": str(tmp_path / "sources.yml"),
        "WEBSITE_HOST": ORIGIN,
        "ADMIN_TOKEN_HASH": "sha256:" + hashlib.sha256(ADMIN_TOKEN.encode()).hexdigest(),
        "LOG_LEVEL": "WARNING",
        **env,
    }
    log = open(tmp_path / "service.log", "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [sys.executable, "-m", "service", "--host", "127.0.0.1", "--port", str(port)],
        env=full_env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    url = f"http://127.0.0.1:{port}"
    try:  # 503 is up too: readiness checks may fail on purpose
        wait_http(url + "/readyz", proc, 60, log=tmp_path / "service.log", ok=(200, 503), interval=0.2)
    except NotUp:
        proc.kill()
        raise
    return Service(url=url, proc=proc, data_dir=data, env=full_env)


def stop_service(svc: Service) -> float:
    t0 = time.monotonic()
    stop(svc.proc, timeout=10, group=False)
    return time.monotonic() - t0


@pytest.fixture(scope="module")
def llm_server() -> Iterator[FakeLLM]:
    with fake_llm() as server:
        yield server


@pytest.fixture()
def llm(llm_server: FakeLLM) -> FakeLLM:
    """The module's fake LLM with a fresh script and request log for each test."""
    llm_server.reset()
    return llm_server


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


def client_ip_header(ip: str) -> dict[str, str]:
    return {"X-Forwarded-For": f"{ip}, 10.0.0.1"}
