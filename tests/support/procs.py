"""Child processes for end-to-end tests and benchmarks: start in their own process group, wait until
an HTTP endpoint answers, stop the whole group (SIGTERM, then SIGKILL)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx


class NotUp(RuntimeError):
    """The process exited, or the endpoint did not answer in time; the message ends with the log tail."""


def spawn(args: list[str], env: dict[str, str], log: Path, cwd: Path | None = None) -> subprocess.Popen:
    with log.open("wb") as out:  # the child keeps its own descriptor
        return subprocess.Popen(
            args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(proc: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM the process group, SIGKILL it if it is still there after `timeout` seconds."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
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
            raise NotUp(f"{proc.args} exited {proc.returncode}:\n{tail()}")
        try:
            if httpx.get(url, timeout=2, trust_env=False).status_code in ok:
                return time.monotonic() - t0
        except httpx.HTTPError:
            pass
        time.sleep(interval)
    raise NotUp(f"{url} not up after {timeout} s:\n{tail()}")
