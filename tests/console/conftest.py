"""Fixtures for the admin console tests: one real service (with the console) per test module, and headless
chromium for the browser tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.console.browser import launch
from tests.console.support import ConsoleService, console_service
from tests.widget.browser import chromium_available


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleService]:
    with console_service(tmp_path_factory.mktemp("console")) as service:
        yield service


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not chromium_available():
        pytest.fail("Debian chromium missing: apt-get install -y chromium (scripts/setup.sh does it)")
    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()
