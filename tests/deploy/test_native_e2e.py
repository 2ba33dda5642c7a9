"""The production topology natively on loopback: Prefect server + work pool + process worker run the ingest
deployment of a demo-site source, then the chat service answers from the new index with a citation.

Same commands as compose.yml (deploy/worker.sh's `prefect work-pool create` / `prefect worker start`,
deploy/register.sh, `python -m service`); only Qdrant runs in local mode (a storage path, not a server).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from tests.support.demo_index import write_demo_sources
from tests.support.procs import NotUp, free_port, native_env, spawn, stop, wait_http
from tests.support.siteserver import SiteServer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
POOL = "auskunft-e2e"


def _wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    try:
        wait_http(url, proc, timeout, log=log, interval=0.3)
    except NotUp as exc:
        pytest.fail(str(exc))


@pytest.fixture()
def prefect_api(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    log = tmp_path / "prefect-server.log"
    t0 = time.monotonic()
    proc = spawn(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        native_env(tmp_path),
        log,
        tmp_path,
    )
    api = f"http://127.0.0.1:{port}/api"
    try:
        _wait_http(api + "/health", proc, log, timeout=90)
        print(f"prefect server healthy in {time.monotonic() - t0:.1f} s")
        yield api
    finally:
        stop(proc)


def _create_flow_run(api: str, deployment_id: str, tries: int = 5) -> dict:
    """A run of the deployment, as the Prefect UI's "Run" creates it. The server's SQLite database is shared with
    the worker registering itself on a loaded machine: a 5xx or a timeout is tried again (a test run once got a
    body without an id); any other answer fails with its text."""
    for attempt in range(tries):
        try:
            resp = httpx.post(
                f"{api}/deployments/{deployment_id}/create_flow_run", json={}, timeout=30, trust_env=False
            )
        except httpx.TimeoutException:
            if attempt == tries - 1:
                raise
        else:
            if resp.status_code < 500 or attempt == tries - 1:
                assert resp.status_code == 201, (resp.status_code, resp.text[:2000])
                return resp.json()
        time.sleep(2)
    raise AssertionError("unreachable")


def _wait_flow_run(api: str, run_id: str, worker: subprocess.Popen, log: Path, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    state: dict = {}
    while time.monotonic() < deadline:
        state = httpx.get(f"{api}/flow_runs/{run_id}", timeout=10, trust_env=False).json()["state"]
        if state["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
            return state
        if worker.poll() is not None:
            pytest.fail(f"worker exited {worker.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(1)
    pytest.fail(
        f"flow run {run_id} still {state.get('type')} after {timeout} s:\n"
        f"{log.read_text(errors='replace')[-3000:]}"
    )


def test_worker_ingests_demo_site_and_service_answers(
    tmp_path: Path, prefect_api: str, demo_site: SiteServer
) -> None:
    sources = write_demo_sources(tmp_path / "sources.yml", demo_site.origin)
    doc = yaml.safe_load(sources.read_text())
    doc["sources"][0]["schedule"] = "0 3 * * *"
    sources.write_text(yaml.safe_dump(doc))
    env = native_env(
        tmp_path, PREFECT_API_URL=prefect_api, PREFECT_WORK_POOL=POOL, PREFECT_WORKER_QUERY_SECONDS="2"
    )

    # deploy/worker.sh as compose runs it: creates the pool, registers the deployments, starts the worker
    # with the health endpoint compose's health check polls
    health_port = free_port()
    env |= {
        "PYTHON": sys.executable,
        "PREFECT_WORKER_WEBSERVER_HOST": "127.0.0.1",
        "PREFECT_WORKER_WEBSERVER_PORT": str(health_port),
    }
    worker_log = tmp_path / "worker.log"
    worker = spawn(["bash", str(REPO / "deploy" / "worker.sh")], env, worker_log, tmp_path)
    try:
        _wait_http(f"http://127.0.0.1:{health_port}/health", worker, worker_log, timeout=120)
        pool = httpx.get(f"{prefect_api}/work_pools/{POOL}", timeout=10, trust_env=False).json()
        assert pool["type"] == "process"
        deployment = httpx.get(
            f"{prefect_api}/deployments/name/ingest-source/ingest-demo", timeout=10, trust_env=False
        ).json()
        assert deployment["work_pool_name"] == POOL
        assert deployment["parameters"]["source_name"] == "demo"
        assert [d["schedule"]["cron"] for d in deployment["schedules"]] == ["0 3 * * *"]

        run = _create_flow_run(prefect_api, deployment["id"])
        t0 = time.monotonic()
        state = _wait_flow_run(prefect_api, run["id"], worker, worker_log, timeout=600)
        print(f"flow run {state['type']} in {time.monotonic() - t0:.1f} s")
        assert state["type"] == "COMPLETED", f"{state}\n{worker_log.read_text(errors='replace')[-4000:]}"
        flow_run = httpx.get(f"{prefect_api}/flow_runs/{run['id']}", timeout=10, trust_env=False).json()
        assert flow_run["work_queue_name"] and flow_run["deployment_id"] == deployment["id"]
    finally:
        stop(worker)

    summaries = [json.loads(p.read_text()) for p in (tmp_path / "data" / "runs").rglob("summary.json")]
    assert len(summaries) == 1 and summaries[0]["ok"], summaries
    assert summaries[0]["counts"]["new"] >= 20
    assert summaries[0]["index"]["chunks_upserted"] > 0
    assert demo_site.paths_requested(), "the worker's flow run crawled the demo site"

    # the service over the index the worker built (local Qdrant: the flow process has released the path)
    port = free_port()
    svc_log = tmp_path / "service.log"
    svc = spawn(
        [sys.executable, "-m", "service", "--host", "127.0.0.1", "--port", str(port)],
        native_env(tmp_path, LOG_LEVEL="WARNING"),
        svc_log,
        tmp_path,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_http(url + "/readyz", svc, svc_log, timeout=90)
        resp = httpx.post(
            url + "/api/chat?stream=false",
            timeout=60,
            trust_env=False,
            json={"message": "Wie hoch ist der Jahresbeitrag für ein Einzelmitglied?"},
        )
        assert resp.status_code == 200, resp.text
        answer = resp.json()
        assert answer["found"], answer
        pdf = [c for c in answer["citations"] if "beitragsordnung-2026.pdf" in c["url"]]
        assert pdf and pdf[0]["page"] == 1, answer["citations"]
        assert pdf[0]["url"].startswith("http://localhost:8765/"), (
            "citations carry the public URL, not the alias"
        )
    finally:
        stop(svc)
