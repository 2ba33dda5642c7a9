"""The real service (`python -m service`) as a subprocess on a free loopback port, with one rule for its
environment (`service_env`): nothing inherited that points elsewhere (Redis, LLM, Qdrant, Prefect, MLflow,
the console, the embedder, the data folder), telemetry off.

    with running_service(data_dir, sources_file, cwd=work, env={"RATE_LIMIT_IP_PER_MIN": "1000"}) as svc:
        svc.client().get("/readyz")

`start_service`/`stop_service` are the same for fixtures that hold a service over several tests, on a copy of
a built data folder."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from auskunft.testing.procs import REPO, NotUp, free_port, spawn, stop, wait_http

ADMIN_TOKEN = "test-admin-token-123"  # noqa: S105 - the test services' admin token
ORIGIN = "https://www.kanupolo.example"
NOT_INHERITED = (
    "REDIS_",
    "LLM_",
    "OPENAI_",
    "QDRANT_",
    "PREFECT_",
    "MLFLOW_",
    "CONSOLE_",
    "EMBEDDING_",
    "EVAL_",
)
NOT_INHERITED_KEYS = ("DATA_DIR", "SOURCES_FILE", "KB_NAME", "ADMIN_TOKEN_HASH", "WEBSITE_HOST")


def service_env(data_dir: Path, sources_file: Path, **extra: str) -> dict[str, str]:
    """The environment of a service (or CLI) a test or bench starts: this environment without what points
    elsewhere, the data folder and sources file, telemetry off, the checkout importable; `extra` on top."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(NOT_INHERITED) and k not in NOT_INHERITED_KEYS
    }
    return env | {
        "DATA_DIR": str(data_dir),
        "SOURCES_FILE": str(sources_file),
        "LOG_LEVEL": "WARNING",
        "DO_NOT_TRACK": "true",
        "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        **extra,
    }


def _start(
    env: dict[str, str],
    cwd: Path,
    log: Path,
    ready_s: float,
    args: Sequence[str] = (),
    ok: tuple[int, ...] = (200, 503),
) -> tuple[str, subprocess.Popen]:
    port = free_port()
    cmd = [sys.executable, "-m", "service", "--host", "127.0.0.1", "--port", str(port), *args]
    proc = spawn(cmd, env, log, cwd)
    url = f"http://127.0.0.1:{port}"
    try:  # 503 is up too: readiness checks may fail on purpose
        wait_http(url + "/readyz", proc, ready_s, log=log, ok=ok, interval=0.2)
    except NotUp:
        stop(proc, timeout=5)
        raise
    return url, proc


@dataclass
class Service:
    url: str
    proc: subprocess.Popen
    data_dir: Path
    env: dict[str, str] = field(default_factory=dict)

    def client(self, **kw: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, trust_env=False, **kw)  # type: ignore[arg-type]


def start_service(tmp_path: Path, demo_data: Path, *, ready_s: float = 60, **env: str) -> Service:
    """The service over a copy of `demo_data` (built by `auskunft.testing.demo_index`) in `tmp_path`, with the
    test origin allowed and the test admin token; `env` on top of `service_env`."""
    data = tmp_path / "svc-data"
    shutil.copytree(demo_data, data)  # local Qdrant storage: one process per copy
    sources = demo_data.parent / f"{demo_data.name}-sources.yml"
    shutil.copy(sources, tmp_path / "sources.yml")
    full_env = service_env(
        data,
        tmp_path / "sources.yml",
        WEBSITE_HOST=ORIGIN,
        ADMIN_TOKEN_HASH="sha256:" + hashlib.sha256(ADMIN_TOKEN.encode()).hexdigest(),
        **env,
    )
    url, proc = _start(full_env, tmp_path, tmp_path / "service.log", ready_s)
    return Service(url=url, proc=proc, data_dir=data, env=full_env)


def stop_service(svc: Service) -> float:
    t0 = time.monotonic()
    stop(svc.proc, timeout=10, group=False)  # SIGTERM to the service only: it stops its own processes
    return time.monotonic() - t0


@contextmanager
def running_service(
    data_dir: Path,
    sources_file: Path,
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
    ready_s: float = 90,
    args: Sequence[str] = (),
    log: Path | None = None,
    ready_only: bool = False,
) -> Iterator[Service]:
    """`python -m service` over `data_dir` (not copied) until the block ends; its log is `log` (default
    cwd/service.log). `args`: more command-line arguments (`--processes 2`). `ready_only`: wait for /readyz 200
    (by default a 503 is up too: readiness checks may fail on purpose). Another checkout's service:
    `env={"PYTHONPATH": f"{tree / 'src'}:{tree}"}`."""
    full_env = service_env(data_dir, sources_file, **(env or {}))
    ok = (200,) if ready_only else (200, 503)
    url, proc = _start(full_env, cwd, log or cwd / "service.log", ready_s, args, ok)
    try:
        yield Service(url=url, proc=proc, data_dir=data_dir, env=full_env)
    finally:
        stop(proc, timeout=10, group=False)  # SIGTERM to the service only: it stops its own processes
        with suppress(ProcessLookupError):  # what is left of its process group (a service that hung)
            os.killpg(proc.pid, signal.SIGKILL)


def checkout_service(
    tree: Path,
    data_dir: Path,
    work: Path,
    *,
    label: str,
    processes: int = 1,
    env: dict[str, str] | None = None,
) -> AbstractContextManager[Service]:
    """A checkout's (`tree`) service over `data_dir` as the benches measure it: that checkout's code first on
    PYTHONPATH, the rate limits out of the way, OpenMP threads waiting passively; ready when /readyz says 200;
    its log in work/service-<label>.log; `env` on top."""
    return running_service(
        data_dir,
        work / "sources.yml",
        cwd=work,
        env={
            "PYTHONPATH": f"{tree / 'src'}:{tree}",
            "RATE_LIMIT_IP_PER_MIN": "100000000",
            "RATE_LIMIT_SESSION_PER_MIN": "100000000",
            "OMP_WAIT_POLICY": "PASSIVE",
            **(env or {}),
        },
        ready_s=300,
        args=["--processes", str(processes)] if processes > 1 else [],
        log=work / f"service-{label}.log",
        ready_only=True,
    )
