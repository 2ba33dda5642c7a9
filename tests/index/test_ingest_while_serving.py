"""Embedded default: a re-crawl (`auskunft ingest` in its own process) updates the index while `auskunft serve`
runs on the same DATA_DIR; the service answers from the new documents within seconds, with no restart and no
failed request meanwhile."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from auskunft.testing.service import running_service, service_env
from tests.support.demo_index import DEMO_SITE, write_demo_sources

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

REPO = Path(__file__).resolve().parents[2]
NEW_PAGE = """<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>Wasserball-Sommerfest</title></head>
<body><main><h1>Wasserball-Sommerfest 2031</h1>
<p>Das Wasserball-Sommerfest 2031 findet am 14. Juli 2031 im Freibad Quakenbrück statt.
Die Anmeldung ist bis zum 30. Juni beim Jugendwart möglich.</p></main></body></html>"""
QUESTION = "Wo findet das Wasserball-Sommerfest statt?"


def _env(data: Path, sources: Path) -> dict[str, str]:
    return service_env(
        data, sources, LOG_LEVEL="INFO", RATE_LIMIT_IP_PER_MIN="100000", RATE_LIMIT_SESSION_PER_MIN="100000"
    )


def _ingest(env: dict[str, str], cwd: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "auskunft", "ingest", "--source", "demo", "--direct"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]


def _ask(client: httpx.Client) -> dict:
    r = client.post("/api/chat?stream=false", json={"message": QUESTION})
    r.raise_for_status()
    return r.json()


def test_reingest_while_serving_is_picked_up_without_restart_or_failed_request(tmp_path: Path) -> None:
    from auskunft.devserver import serve_directory

    site = tmp_path / "site"
    shutil.copytree(DEMO_SITE, site)
    data, sources = tmp_path / "data", tmp_path / "sources.yml"
    with serve_directory(site) as srv:
        write_demo_sources(sources, srv.origin)
        env = _env(data, sources)
        _ingest(env, tmp_path)  # the first ingestion builds and promotes version 1

        with running_service(data, sources, cwd=tmp_path, env=env, ready_s=120) as svc:
            base = svc.url
            client = httpx.Client(base_url=base, timeout=30, trust_env=False)
            assert not any("Quakenbrück" in c.get("snippet", "") for c in _ask(client).get("citations", []))

            statuses: list[int] = []
            stop_flag = threading.Event()

            def visitor() -> None:  # a visitor asking all the time while the index changes
                with httpx.Client(base_url=base, timeout=30, trust_env=False) as c:
                    while not stop_flag.is_set():
                        statuses.append(
                            c.post("/api/chat?stream=false", json={"message": QUESTION}).status_code
                        )
                        time.sleep(0.05)

            t = threading.Thread(target=visitor)
            t.start()
            try:
                # the site publishes a new page; a scheduled re-crawl picks it up (incremental: live version)
                (site / "sommerfest.html").write_text(NEW_PAGE, encoding="utf-8")
                index = site / "index.html"
                index.write_text(
                    index.read_text(encoding="utf-8").replace(
                        "</body>", '<a href="/sommerfest.html">Sommerfest</a></body>'
                    ),
                    encoding="utf-8",
                )
                _ingest(env, tmp_path)
                deadline = time.monotonic() + 15
                while True:
                    answer = _ask(client)
                    if "Quakenbrück" in answer["answer"]:
                        break
                    assert time.monotonic() < deadline, f"new page not served after 15 s: {answer['answer']}"
                    time.sleep(0.25)
            finally:
                stop_flag.set()
                t.join()
            assert statuses and set(statuses) == {200}, statuses
            assert any(c["url"].endswith("/sommerfest.html") for c in answer["citations"])
            client.close()
