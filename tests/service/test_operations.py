"""Health, readiness, rate limits, admin API, shutdown: the embedded default and Redis-backed modes."""

from __future__ import annotations

from pathlib import Path

import pytest

from auskunft.console import audit
from auskunft.console.db import ConsoleDB
from auskunft.testing.service import ADMIN_TOKEN, Service, start_service, stop_service
from tests.support.redis_server import redis_server

pytestmark = pytest.mark.timeout(180)
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def client_ip_header(ip: str) -> dict[str, str]:
    """The visitor's address as the trusted proxy in front of `extractive_service` passes it on."""
    return {"X-Forwarded-For": f"{ip}, 10.0.0.1"}


def test_embedded_default_answers_extractively(extractive_service: Service) -> None:
    with extractive_service.client(headers=client_ip_header("203.0.113.1")) as c:
        assert c.get("/healthz").json() == {"status": "ok"}
        ready = c.get("/readyz").json()
        assert ready["status"] == "ready" and ready["checks"]["qdrant"]["live_version"] == "auskunft__v1"
        ans = c.post("/api/chat?stream=false", json={"message": "Wie hoch ist die Meldegebühr?"}).json()
        assert ans["mode"] == "extractive" and "85 Euro" in ans["answer"]
        assert "ohne KI-Sprachmodell" in ans["answer"]


def test_rate_limit_per_client_ip(extractive_service: Service) -> None:
    with extractive_service.client(headers=client_ip_header("203.0.113.2")) as c:
        for _ in range(3):  # RATE_LIMIT_IP_PER_MIN=3
            assert c.post("/api/chat?stream=false", json={"message": "Spielzeit?"}).status_code == 200
        limited = c.post("/api/chat?stream=false", json={"message": "noch eine Frage"})
        assert limited.status_code == 429
        assert limited.json()["error"]["code"] == "rate_limited"
        assert 1 <= int(limited.headers["retry-after"]) <= 60
    with extractive_service.client(headers=client_ip_header("203.0.113.3")) as other:  # another visitor
        assert other.post("/api/chat?stream=false", json={"message": "Spielzeit?"}).status_code == 200


def test_rate_limit_per_session(extractive_service: Service) -> None:
    body = {"message": "Spielzeit?", "session_id": "sess-limit-1"}
    statuses = []
    for i in range(3):  # RATE_LIMIT_SESSION_PER_MIN=2, each request from a fresh IP
        with extractive_service.client(headers=client_ip_header(f"198.51.100.{i + 1}")) as c:
            statuses.append(c.post("/api/chat?stream=false", json=body).status_code)
    assert statuses == [200, 200, 429]


def test_not_in_documents(extractive_service: Service) -> None:
    with extractive_service.client(headers=client_ip_header("203.0.113.4")) as c:
        ans = c.post("/api/chat?stream=false", json={"message": "Wie ist das Wetter auf dem Mars?"}).json()
    # never a confident answer; "nothing found" or the labelled closest passages (issue 20's three outcomes)
    assert not ans["found"] and ans["outcome"] in ("none", "closest"), ans
    if ans["outcome"] == "none":
        assert ans["answer"] == "Dazu habe ich in den Dokumenten nichts gefunden." and ans["citations"] == []
    else:
        assert ans["answer"].startswith("Eine sichere Antwort habe ich nicht gefunden") and ans["citations"]


def test_admin_api(extractive_service: Service) -> None:
    with extractive_service.client() as c:
        assert c.get("/api/admin/sources").status_code == 401
        assert c.get("/api/admin/sources", headers={"Authorization": "Bearer wrong"}).status_code == 401
        sources = c.get("/api/admin/sources", headers=AUTH).json()["sources"]
        assert [s["name"] for s in sources] == ["demo"]
        new = {"name": "news", "start_urls": ["https://www.kanupolo.example/news/"], "schedule": "0 4 * * *"}
        assert c.post("/api/admin/sources", json=new, headers=AUTH).status_code == 201
        assert c.post("/api/admin/sources", json=new, headers=AUTH).status_code == 400
        bad = c.post("/api/admin/sources", json={"name": "x", "start_urls": ["ftp://nope"]}, headers=AUTH)
        assert bad.status_code == 422
        upd = c.put(
            "/api/admin/sources/news",
            json={"start_urls": ["https://www.kanupolo.example/aktuell/"]},
            headers=AUTH,
        )
        assert upd.status_code == 200
        assert c.delete("/api/admin/sources/news", headers=AUTH).status_code == 200
        # the API's changes are in the console's audit log, as the console's own are (one SourceCatalog)
        db = ConsoleDB(f"sqlite:///{(extractive_service.data_dir / 'console.db').resolve()}")
        with db.session() as session:
            logged = [(e.actor, e.action, e.target, e.detail) for e in audit.recent(session)][::-1]
        db.close()
        assert [(a, act, t) for a, act, t, _ in logged[-3:]] == [
            ("admin-token", "source.create", "news"),
            ("admin-token", "source.update", "news"),
            ("admin-token", "source.delete", "news"),
        ]
        assert logged[-2][3]["start_urls"] == ["https://www.kanupolo.example/aktuell/"]  # what changed
        # the embedded store takes a writer beside the serving process: "crawl now" starts `auskunft ingest`
        crawl = c.post("/api/admin/sources/demo/crawl", headers=AUTH)
        assert crawl.status_code == 202 and crawl.json()["via"] == "subprocess", crawl.text
        versions = c.get("/api/admin/index/versions", headers=AUTH).json()["versions"]
        assert [v["version"] for v in versions] == [1] and versions[0]["live"]
        assert c.post("/api/admin/index/promote/7", headers=AUTH).status_code == 404
        promoted = c.post("/api/admin/index/promote/1", headers=AUTH)
        assert promoted.status_code == 200 and promoted.json()["live"]["collection"] == "auskunft__v1"
        assert c.post("/api/admin/index/rollback", headers=AUTH).status_code == 404


def test_openapi_document(extractive_service: Service) -> None:
    with extractive_service.client() as c:
        doc = c.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    for path in ("/api/chat", "/api/feedback", "/v1/chat/completions", "/readyz", "/api/admin/sources"):
        assert path in doc["paths"]


def test_readyz_reports_redis_outage_and_sigterm_stops(tmp_path: Path, demo_data: Path) -> None:
    (tmp_path / "redis").mkdir()
    with redis_server(tmp_path / "redis") as url:
        svc = start_service(tmp_path, demo_data, REDIS_URL=url)
        with svc.client() as c:
            assert c.get("/readyz").status_code == 200
    # redis is gone now
    with svc.client() as c:
        resp = c.get("/readyz")
        assert resp.status_code == 503 and not resp.json()["checks"]["redis"]["ok"]
    assert stop_service(svc) < 5
    assert svc.proc.returncode is not None
