"""Fixtures of the security tests: `servers`, loopback HTTP servers scripted per test (closed after it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.crawl.helpers import Servers


@pytest.fixture
def servers() -> Iterator[Servers]:
    pool = Servers()
    yield pool
    pool.close()
