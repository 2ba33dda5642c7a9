"""One source's batches spread over the work pool: a Prefect server, two process workers (deploy/worker.sh,
as compose runs them), the ingest deployment of a generated site; the run starts its batches as flow runs of
the `ingest-batches` deployment, the workers run them, and the index holds every document.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from auskunft.devserver import serve_directory
from tests.support.procs import NotUp, free_port, native_env, spawn, stop, wait_http

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
POOL = "auskunft-fanout"


def _get(api: str, path: str) -> dict:
    return httpx.get(f"{api}{path}", timeout=10, trust_env=False).json()


@pytest.fixture()
def prefect_api(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    log = tmp_path / "prefect-server.log"
    cmd = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    proc = spawn(cmd, native_env(tmp_path), log, tmp_path)
    api = f"http://127.0.0.1:{port}/api"
    try:
        wait_http(api + "/health", proc, 120, log=log, interval=0.5)
        yield api
    except NotUp as exc:
        pytest.fail(str(exc))
    finally:
        stop(proc)


def test_batches_of_one_source_run_on_the_pools_workers(tmp_path: Path, prefect_api: str) -> None:
    sys.path.insert(0, str(REPO))
    from bench.large_site import generate

    generate(tmp_path / "site", scale=0.01, scanned_every=0)  # 10 PDFs, 5 news pages, archive pages
    with serve_directory(tmp_path / "site") as srv:
        sources = tmp_path / "sources.yml"
        spec = {
            "name": "big",
            "start_urls": ["http://verband.example/"],
            "host_aliases": {"http://verband.example": srv.origin},
            "allow_private": True,
            "rate_limit_per_s": 50,
        }
        sources.write_text(yaml.safe_dump({"sources": [spec]}), encoding="utf-8")
        env = native_env(
            tmp_path,
            PREFECT_API_URL=prefect_api,
            PREFECT_WORK_POOL=POOL,
            PREFECT_WORKER_QUERY_SECONDS="2",
            PYTHON=sys.executable,
            INGEST_BATCH_DEPLOYMENT="ingest-batches/ingest-batches",
            INGEST_FANOUT="2",
            INGEST_BATCH_DOCS="4",
            INGEST_PROCESSES="1",
            OMP_WAIT_POLICY="PASSIVE",
        )
        workers = []
        try:
            for i in range(2):  # deploy/worker.sh: creates the pool, registers the deployments, starts
                health = free_port()
                wenv = env | {
                    "PREFECT_WORKER_WEBSERVER_HOST": "127.0.0.1",
                    "PREFECT_WORKER_WEBSERVER_PORT": str(health),
                }
                log = tmp_path / f"worker-{i}.log"
                workers.append(
                    (spawn(["bash", str(REPO / "deploy" / "worker.sh")], wenv, log, tmp_path), log)
                )
                wait_http(f"http://127.0.0.1:{health}/health", workers[-1][0], 180, log=log, interval=0.5)
            batch_dep = _get(prefect_api, "/deployments/name/ingest-batches/ingest-batches")
            assert batch_dep["work_pool_name"] == POOL
            dep = _get(prefect_api, "/deployments/name/ingest-source/ingest-big")
            run: dict = {}
            for _ in range(30):  # a busy server may answer the first request with an error: ask again
                r = httpx.post(
                    f"{prefect_api}/deployments/{dep['id']}/create_flow_run",
                    json={},
                    timeout=30,
                    trust_env=False,
                )
                run = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
                if r.status_code in (200, 201) and "id" in run:
                    break
                time.sleep(1)
            assert "id" in run, f"create_flow_run: {r.status_code} {r.text[:500]}"
            deadline = time.monotonic() + 700
            while time.monotonic() < deadline:
                state = _get(prefect_api, f"/flow_runs/{run['id']}")["state"]
                if state["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
                    break
                time.sleep(2)
            logs = "\n".join(log.read_text(errors="replace")[-3000:] for _, log in workers)
            assert state["type"] == "COMPLETED", f"{state}\n{logs}"
            children = httpx.post(
                f"{prefect_api}/flow_runs/filter",
                json={"deployments": {"id": {"any_": [batch_dep["id"]]}}},
                timeout=10,
                trust_env=False,
            ).json()
        except NotUp as exc:
            pytest.fail(str(exc))
        finally:
            for proc, _ in workers:
                stop(proc)

    assert len(children) == 2 and all(c["state"]["type"] == "COMPLETED" for c in children), children
    assert all(c["parent_task_run_id"] for c in children)  # subflow runs of the ingest run
    (run_dir,) = [p.parent for p in (tmp_path / "data" / "runs" / "big").glob("*/summary.json")]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["ok"] and summary["counts"]["new"] >= 15
    reports = [json.loads(p.read_text()) for p in (run_dir / "batches").glob("0*.json")]
    plan = json.loads((run_dir / "batches" / "plan.json").read_text())
    assert len(reports) == len(plan["batches"]) >= 4
    assert len({r["worker"] for r in reports}) == 2  # the two batch flow runs, each in its own process
    assert summary["index"]["docs_indexed"] == summary["counts"]["new"] - summary["extract"]["failed"]
    assert summary["index"]["chunks_upserted"] > 0
