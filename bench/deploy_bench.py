"""Timings of the production topology run natively on loopback (what compose.yml runs, Qdrant in local mode).

    .venv/bin/python bench/deploy_bench.py [--requests 12]

Prints: Prefect server start-up, deploy/worker.sh until its health endpoint answers (pool + deployment
registration included), flow-run pick-up latency and the demo-site ingestion run by the worker, service start
until ready, extractive /api/chat latency, and the resident memory of each process.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from auskunft.testing.procs import free_port, native_env, spawn, stop, wait_http  # noqa: E402

BIN = Path(sys.executable).parent
POOL = "auskunft-bench"
QUESTIONS = [
    "Wie hoch ist der Jahresbeitrag für ein Einzelmitglied?",
    "Wann ist die nächste Mitgliederversammlung?",
    "Was kostet das Jugendcamp?",
    "Wo findet die Deutsche Meisterschaft statt?",
]


def rss_mb(proc: subprocess.Popen) -> float:
    p = psutil.Process(proc.pid)
    return sum(c.memory_info().rss for c in [p, *p.children(recursive=True)]) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=12)  # under the per-IP rate limit
    args = parser.parse_args()
    from auskunft.devserver import serve_directory

    tmp = Path(tempfile.mkdtemp(prefix="deploy-bench-"))
    env = native_env(tmp, LOG_LEVEL="WARNING")
    rows: list[tuple[str, str]] = []
    procs: list[subprocess.Popen] = []
    with serve_directory(REPO / "datasets" / "demo-site") as site:
        (tmp / "sources.yml").write_text(
            yaml.safe_dump(
                {
                    "sources": [
                        {
                            "name": "demo",
                            "start_urls": ["http://localhost:8765/"],
                            "host_aliases": {"http://localhost:8765": site.origin},
                            "allow_private": True,
                            "render_js": False,
                            "rate_limit_per_s": 200,
                            "concurrency": 4,
                        }
                    ]
                }
            )
        )
        try:
            port = free_port()
            api = f"http://127.0.0.1:{port}/api"
            server = spawn(
                [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                env,
                tmp / "server.log",
                tmp,
            )
            procs.append(server)
            rows.append(
                ("prefect server start -> /api/health", f"{wait_http(api + '/health', server, 120):.1f} s")
            )

            hport = free_port()
            wenv = env | {
                "PREFECT_API_URL": api,
                "PREFECT_WORK_POOL": POOL,
                "PREFECT_WORKER_QUERY_SECONDS": "2",
                "PYTHON": sys.executable,
                "PREFECT_WORKER_WEBSERVER_HOST": "127.0.0.1",
                "PREFECT_WORKER_WEBSERVER_PORT": str(hport),
            }
            worker = spawn(["bash", str(REPO / "deploy" / "worker.sh")], wenv, tmp / "worker.log", tmp)
            procs.append(worker)
            rows.append(
                (
                    "deploy/worker.sh -> worker healthy (pool + registration)",
                    f"{wait_http(f'http://127.0.0.1:{hport}/health', worker, 180):.1f} s",
                )
            )

            dep = httpx.get(
                f"{api}/deployments/name/ingest-source/ingest-demo", trust_env=False, timeout=10
            ).json()
            t0 = time.monotonic()
            run = httpx.post(
                f"{api}/deployments/{dep['id']}/create_flow_run", json={}, trust_env=False, timeout=10
            ).json()
            picked = None
            peak_worker = 0.0
            while True:
                state = httpx.get(f"{api}/flow_runs/{run['id']}", trust_env=False, timeout=10).json()[
                    "state"
                ]["type"]
                peak_worker = max(peak_worker, rss_mb(worker))
                if picked is None and state in ("PENDING", "RUNNING"):
                    picked = time.monotonic() - t0
                if state in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
                    break
                time.sleep(0.25)
            total = time.monotonic() - t0
            rows.append(("flow run created -> picked up by the worker", f"{picked or 0:.1f} s"))
            rows.append((f"demo-site ingestion by the worker ({state})", f"{total:.1f} s"))
            rows.append(("RSS prefect server", f"{rss_mb(server):.0f} MB"))
            rows.append(("RSS worker incl. flow run (peak)", f"{peak_worker:.0f} MB"))
            stop(worker)

            sport = free_port()
            t0 = time.monotonic()
            svc = spawn(
                [sys.executable, "-m", "service", "--host", "127.0.0.1", "--port", str(sport)],
                env,
                tmp / "service.log",
                tmp,
            )
            procs.append(svc)
            rows.append(
                (
                    "service start -> /readyz 200",
                    f"{wait_http(f'http://127.0.0.1:{sport}/readyz', svc, 120):.1f} s",
                )
            )
            lat = []
            with httpx.Client(base_url=f"http://127.0.0.1:{sport}", trust_env=False, timeout=60) as c:
                for i in range(args.requests):
                    q0 = time.perf_counter()
                    r = c.post("/api/chat?stream=false", json={"message": QUESTIONS[i % len(QUESTIONS)]})
                    lat.append((time.perf_counter() - q0) * 1000)
                    r.raise_for_status()
            rows.append(
                (
                    f"/api/chat extractive, first asks ({len(QUESTIONS)} questions): p50",
                    f"{statistics.median(lat[: len(QUESTIONS)]):.0f} ms",
                )
            )
            lat = sorted(lat)
            rows.append(
                (
                    f"/api/chat extractive, {args.requests} requests (repeats cached): p50 / p95",
                    f"{statistics.median(lat):.0f} / {lat[int(0.95 * (len(lat) - 1))]:.0f} ms",
                )
            )
            rows.append(("RSS service (1 process)", f"{rss_mb(svc):.0f} MB"))
        finally:
            for p in reversed(procs):
                stop(p)
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")


if __name__ == "__main__":
    main()
