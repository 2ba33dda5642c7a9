"""Probe section 2 (admin input) against the real service: the admin API validates sources exactly like
`auskunft sources check`, cannot widen what the crawler may reach, and keeps the file's comments."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from auskunft.errors import SourceError
from auskunft.sources import parse_sources
from auskunft.testing.service import ADMIN_TOKEN, Service, start_service, stop_service

pytestmark = pytest.mark.timeout(600)
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
OK = {"name": "ok", "start_urls": ["https://a.example/"]}
BAD_BODIES = {
    "unknown field": {**OK, "max_dept": 1},
    "newline in URL": {**OK, "start_urls": ["http://a.example/\nfile:///etc/passwd"]},
    "space in URL": {**OK, "start_urls": ["https://a.example/ x"]},
    "control char in URL": {**OK, "start_urls": ["https://a.example/\x00"]},
    "userinfo trick": {**OK, "start_urls": ["https://a.example@127.0.0.1/"]},
    "CRLF in user_agent": {**OK, "user_agent": "x\r\nX-Injected: 1"},
    "nested quantifier": {**OK, "include": ["(a+)+$"]},
    "nested star": {**OK, "exclude": [r"(\w+\s?)*$"]},
    "overlapping alternation": {**OK, "include": ["(a|ab)+x"]},
    "back-reference": {**OK, "include": [r"(a)\1"]},
    "huge pattern": {**OK, "include": ["a" * 600]},
    "concurrency": {**OK, "concurrency": 100_000},
    "max_file_bytes": {**OK, "max_file_bytes": 1_000_000_000_000},
    "rate": {**OK, "rate_limit_per_s": 1e9},
    "max_pages": {**OK, "max_pages": 1_000_000_000},
    "timeout": {**OK, "timeout_s": 1e9},
    "depth": {**OK, "max_depth": 10_000},
    "alias with path": {**OK, "host_aliases": {"https://a.example": "http://b.example/x y"}},
    "cron with newline": {**OK, "schedule": "0 3 * * *\n"},
}
FILE = """# operator's notes: keep these comments
sources:
  # the demo site, crawled from its loopback mirror
  - name: demo   # main source
    start_urls: ["https://www.kanupolo.example/"]
    allow_private: true   # the mirror lives on 127.0.0.1
    host_aliases: {"https://www.kanupolo.example": "http://127.0.0.1:9"}
    max_depth: 3   # deeper pages are archive
"""


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory, demo_data: Path) -> Iterator[Service]:
    svc = start_service(tmp_path_factory.mktemp("sec-admin"), demo_data)
    yield svc
    stop_service(svc)


@pytest.fixture()
def sources_file(svc: Service) -> Path:
    path = Path(svc.env["SOURCES_FILE"])
    path.write_text(FILE, encoding="utf-8")
    return path


def _client(svc: Service) -> httpx.Client:
    return svc.client(headers=AUTH)


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
def test_admin_api_refuses_what_sources_check_refuses(svc: Service, sources_file: Path, case: str) -> None:
    """2.10: the API and the file go through one validator (unknown fields, URLs, regex structure, bounds)."""
    body = BAD_BODIES[case]
    with _client(svc) as c:
        resp = c.post("/api/admin/sources", json=body)
    assert resp.status_code == 422, (case, resp.text)
    assert resp.json()["error"]["code"] == "invalid_source"
    with pytest.raises(SourceError):  # what `auskunft sources check` runs on the file
        parse_sources({"sources": [body]})
    assert sources_file.read_text(encoding="utf-8") == FILE  # nothing written


def test_nan_bounds_are_refused(svc: Service, sources_file: Path) -> None:
    with _client(svc) as c:
        resp = c.post(
            "/api/admin/sources",
            content='{"name": "nan", "start_urls": ["https://a.example/"], "timeout_s": NaN}',
            headers={"Content-Type": "application/json"},
        )
    assert resp.status_code == 422


@pytest.mark.parametrize(
    "extra",
    [
        {"allow_private": True},
        {"host_aliases": {"https://a.example": "http://169.254.169.254"}},
        {"host_aliases": {"https://a.example": "http://127.0.0.1:6333"}},
        {"host_aliases": {"https://a.example": "http://[::1]:6379"}},
        {"host_aliases": {"https://a.example": "http://[::ffff:10.0.0.5]"}},
        {"host_aliases": {"https://a.example": "http://100.100.100.200"}},
        {"host_aliases": {"https://a.example": "http://localhost:8080"}},
        {"host_aliases": {"https://a.example": "http://metadata.google.internal"}},
    ],
)
def test_admin_api_cannot_open_the_guard(svc: Service, sources_file: Path, extra: dict) -> None:
    """2.08: allow_private and aliases to internal targets are file-only."""
    with _client(svc) as c:
        resp = c.post("/api/admin/sources", json={**OK, **extra})
    assert resp.status_code == 422 and resp.json()["error"]["code"] == "file_only_setting", resp.text
    assert sources_file.read_text(encoding="utf-8") == FILE


def test_public_alias_target_is_fine_and_writes_keep_comments(svc: Service, sources_file: Path) -> None:
    body = {**OK, "host_aliases": {"https://a.example": "https://93.184.216.34"}, "max_depth": 2}
    with _client(svc) as c:
        assert c.post("/api/admin/sources", json=body).status_code == 201
        assert c.put("/api/admin/sources/ok", json={**OK, "max_depth": 4}).status_code == 200
        # the file's private source: other settings may change, its scope and allow_private stay
        assert (
            c.put(
                "/api/admin/sources/demo",
                json={
                    "start_urls": ["https://www.kanupolo.example/"],
                    "host_aliases": {"https://www.kanupolo.example": "http://127.0.0.1:9"},
                    "max_depth": 5,
                },
            ).status_code
            == 200
        )
    text = sources_file.read_text(encoding="utf-8")
    for comment in (
        "# operator's notes",
        "# the demo site",
        "# main source",
        "# the mirror lives",
        "# deeper pages",
    ):
        assert comment in text, text
    data = {s["name"]: s for s in yaml.safe_load(text)["sources"]}
    assert data["demo"]["allow_private"] is True and data["demo"]["max_depth"] == 5
    assert data["ok"]["max_depth"] == 4 and not data["ok"].get("host_aliases")
    with _client(svc) as c:
        assert c.delete("/api/admin/sources/ok").status_code == 200
    assert "# operator's notes" in sources_file.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "change",
    [
        {"start_urls": ["http://127.0.0.1:6379/"]},
        {"allowed_hosts": ["127.0.0.1:6333"]},
        {"host_aliases": {"https://www.kanupolo.example": "http://127.0.0.1:6333"}},
    ],
)
def test_scope_of_a_private_file_source_is_file_only(svc: Service, sources_file: Path, change: dict) -> None:
    body = {
        "start_urls": ["https://www.kanupolo.example/"],
        "host_aliases": {"https://www.kanupolo.example": "http://127.0.0.1:9"},
        **change,
    }
    with _client(svc) as c:
        resp = c.put("/api/admin/sources/demo", json=body)
    assert resp.status_code == 422 and resp.json()["error"]["code"] == "file_only_setting", resp.text
    assert sources_file.read_text(encoding="utf-8") == FILE


def test_admin_body_must_be_json(svc: Service, sources_file: Path) -> None:
    with _client(svc) as c:
        resp = c.post("/api/admin/sources", content=b'{"name": "x"}', headers={"Content-Type": "text/plain"})
    assert resp.status_code == 415
