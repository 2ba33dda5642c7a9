"""Child processes for end-to-end tests and benchmarks: start in their own process group, wait until
an HTTP endpoint answers, stop the whole group (SIGTERM, then SIGKILL)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[3]  # the checkout (src/auskunft/testing/..)


def native_env(root: Path, **extra: str) -> dict[str, str]:
    """Environment for the natively started platform (Prefect server and worker, service) under `root`:
    nothing inherited that points elsewhere (Redis, LLM, Qdrant, Prefect, MLflow), telemetry off."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("REDIS_", "LLM_", "OPENAI_", "QDRANT_", "PREFECT_", "MLFLOW_"))
    }
    return env | {
        "PREFECT_HOME": str(root / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "DO_NOT_TRACK": "true",
        "DATA_DIR": str(root / "data"),
        "SOURCES_FILE": str(root / "sources.yml"),
        "NOTEBOOKS_DIR": str(REPO / "notebooks"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        **extra,
    }


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class NotUp(RuntimeError):
    """The process exited, or the endpoint did not answer in time; the message ends with the log tail."""


def spawn(args: list[str], env: dict[str, str], log: Path, cwd: Path | None = None) -> subprocess.Popen:
    with log.open("wb") as out:  # the child keeps its own descriptor
        return subprocess.Popen(
            args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(proc: subprocess.Popen, timeout: float = 20, *, group: bool = True) -> None:
    """SIGTERM the process (its whole process group with `group`, as `spawn` starts it), SIGKILL it if it
    is still there after `timeout` seconds; returns once it is reaped."""

    def send(sig: signal.Signals) -> None:
        if proc.poll() is None:
            if group:
                os.killpg(proc.pid, sig)
            else:
                proc.send_signal(sig)

    send(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        send(signal.SIGKILL)
        proc.wait()


def wait_http(
    url: str,
    proc: subprocess.Popen,
    timeout: float,
    *,
    log: Path | None = None,
    ok: tuple[int, ...] = (200,),
    interval: float = 0.1,
) -> float:
    """Poll `url` until it answers with a status in `ok`; returns the seconds it took."""
    t0 = time.monotonic()
    tail = lambda: log.read_text(errors="replace")[-3000:] if log else ""  # noqa: E731
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            raise NotUp(f"{proc.args!r} exited {proc.returncode}:\n{tail()}")
        try:
            if httpx.get(url, timeout=2, trust_env=False).status_code in ok:
                return time.monotonic() - t0
        except httpx.HTTPError:
            pass
        time.sleep(interval)
    raise NotUp(f"{url} not up after {timeout} s:\n{tail()}")
