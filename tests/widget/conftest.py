"""Fixtures for the widget's browser tests: headless Debian chromium and the real chat service."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from tests.conftest import DEMO_SITE
from tests.support.siteserver import serve_directory
from tests.widget.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, DIST, chromium_available
from tests.widget.service_fixture import ChatService, embed_widget, running_service

__all__ = ["ChatService"]


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatService]:
    """`python -m service` over a small real index, answering through the scripted fake LLM."""
    if not (DIST / "widget.js").exists():
        pytest.fail("widget/dist/widget.js missing: run `npm ci && npm run build` in widget/")
    work = tmp_path_factory.mktemp("widget-service")
    site = work / "site"
    shutil.copytree(DEMO_SITE, site)  # the organisation's website, on its own origin
    with serve_directory(site) as web, running_service(work, website_origin=web.origin) as svc:
        embed_widget(site, svc.base)
        svc.website = web.origin
        yield svc


@pytest.fixture
def limited_service(service: ChatService) -> ChatService:
    """The same service: each session may send `service.burst` chat requests per minute."""
    return service


@pytest.fixture(scope="session")
def playwright_() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_: Playwright) -> Iterator[Browser]:
    if not chromium_available():
        pytest.fail("Debian chromium missing: apt-get install -y chromium (scripts/setup.sh does it)")
    b = playwright_.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield b
    b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    ctx.close()
    assert not errors, f"uncaught errors in the page: {errors}"


_LOADED = time.time()  # conftest is imported at collection: screenshots newer than this are this run's


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print where the screenshots are; a copy outside the checkout survives a clean."""
    shots = (
        [p for p in sorted(ARTIFACTS.glob("*.png")) if p.stat().st_mtime >= _LOADED]
        if ARTIFACTS.exists()
        else []
    )
    if not shots:  # no browser test ran in this session
        return
    copy = Path(tempfile.gettempdir()) / "auskunft-widget-screenshots"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(ARTIFACTS, copy)
    terminalreporter.write_line(f"widget screenshots ({len(shots)}): {ARTIFACTS} (copy: {copy})")
