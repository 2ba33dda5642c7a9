"""Fixtures for the admin console tests: one real service (with the console) per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.console.support import ConsoleService, console_service


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleService]:
    with console_service(tmp_path_factory.mktemp("console")) as service:
        yield service
