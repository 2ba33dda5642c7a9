"""Test-wide fixtures: every path under tmp_path, no network but loopback, real local servers."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.demo_index import build_demo_data
from tests.support.env import LEAKY_KEYS
from tests.support.fake_llm import FakeLLM, fake_llm
from tests.support.redis_server import redis_server
from tests.support.siteserver import SiteServer, serve_directory

pytest_plugins = ["tests.support.chat_fixtures"]  # fixtures several folders share

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
DEMO_SITE = REPO / "datasets" / "demo-site"
ACKER_SITE = SHARED / "sites" / "ackersyndikat" / "site"

_real_connect = socket.socket.connect


def _is_local(address: object) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX
        return True
    if isinstance(address, tuple) and address:
        host = address[0]
        if host in ("localhost", ""):
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
    return False


def _guarded_connect(self: socket.socket, address: object) -> None:  # type: ignore[override]
    if not _is_local(address):
        raise OSError(f"tests may only connect to loopback, not {address!r}")
    return _real_connect(self, address)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _isolate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point every path at tmp_path, clear settings cache, block non-loopback connects."""
    from auskunft.config import get_settings

    data = tmp_path / "data"
    monkeypatch.setenv("DATA_DIR", str(data))
    monkeypatch.setenv("SOURCES_FILE", str(tmp_path / "sources.yml"))
    for key in LEAKY_KEYS:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)  # a developer's .env must not leak into tests
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session", autouse=True)
def _german_resources() -> None:
    """The German lemma, frequency and morphology data (auskunft.text.german_lexicon, 2-7 s) loaded once per
    session, as the service loads them at start-up, so that no test's timings include it."""
    from auskunft.text import german_lexicon

    german_lexicon.start()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real index of datasets/demo-site (crawled over loopback, extracted, indexed, promoted), built once per
    session; the services copy it (`auskunft.testing.service.start_service`)."""
    data = tmp_path_factory.mktemp("demo") / "data"
    build_demo_data(data)
    return data


@pytest.fixture(scope="module")
def llm_server() -> Iterator[FakeLLM]:
    with fake_llm() as server:
        yield server


@pytest.fixture()
def llm(llm_server: FakeLLM) -> FakeLLM:
    """The module's fake LLM with a fresh script and request log for each test."""
    llm_server.reset()
    return llm_server


@pytest.fixture(scope="session")
def demo_site() -> Iterator[SiteServer]:
    """datasets/demo-site served on 127.0.0.1 (read-only: copy it before changing files)."""
    if not DEMO_SITE.exists():
        pytest.fail("datasets/demo-site is missing")
    with serve_directory(DEMO_SITE) as srv:
        yield srv


@pytest.fixture(scope="session")
def acker_site() -> Iterator[SiteServer]:
    if not ACKER_SITE.exists():
        pytest.fail(f"{ACKER_SITE} missing: ../shared must sit beside the checkout")
    with serve_directory(ACKER_SITE) as srv:
        yield srv


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("DO_NOT_TRACK", "true")
    # Prefect's ephemeral server logs its shutdown after pytest closed the captured streams
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
