"""The real service (`python -m service`) as a subprocess on a free loopback port over a copy of a data folder."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from auskunft.testing.procs import NotUp, free_port, stop, wait_http

ADMIN_TOKEN = "test-admin-token-123"  # noqa: S105 - the test services' admin token
ORIGIN = "https://www.kanupolo.example"


@dataclass
class Service:
    url: str
    proc: subprocess.Popen
    data_dir: Path
    env: dict[str, str] = field(default_factory=dict)

    def client(self, **kw: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, trust_env=False, **kw)  # type: ignore[arg-type]


def start_service(tmp_path: Path, demo_data: Path, **env: str) -> Service:
    data = tmp_path / "svc-data"
    shutil.copytree(demo_data, data)  # local Qdrant storage: one process per copy
    sources = demo_data.parent / f"{demo_data.name}-sources.yml"
    shutil.copy(sources, tmp_path / "sources.yml")
    port = free_port()
    full_env = {
        k: v for k, v in os.environ.items() if not k.startswith(("REDIS_", "LLM_", "OPENAI_", "QDRANT_"))
    }
    full_env |= {
        "DATA_DIR": str(data),
        "SOURCES_FILE": str(tmp_path / "sources.yml"),
        "WEBSITE_HOST": ORIGIN,
        "ADMIN_TOKEN_HASH": "sha256:" + hashlib.sha256(ADMIN_TOKEN.encode()).hexdigest(),
        "LOG_LEVEL": "WARNING",
        **env,
    }
    log = open(tmp_path / "service.log", "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [sys.executable, "-m", "service", "--host", "127.0.0.1", "--port", str(port)],
        env=full_env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    url = f"http://127.0.0.1:{port}"
    try:  # 503 is up too: readiness checks may fail on purpose
        wait_http(url + "/readyz", proc, 60, log=tmp_path / "service.log", ok=(200, 503), interval=0.2)
    except NotUp:
        proc.kill()
        raise
    return Service(url=url, proc=proc, data_dir=data, env=full_env)


def stop_service(svc: Service) -> float:
    t0 = time.monotonic()
    stop(svc.proc, timeout=10, group=False)
    return time.monotonic() - t0
