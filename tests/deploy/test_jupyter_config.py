"""deploy/jupyter_server_config.py starts a real JupyterLab that refuses requests without the token."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.procs import free_port, stop

REPO = Path(__file__).resolve().parents[2]
ROOT_FLAG = ["--allow-root"] if os.geteuid() == 0 else []  # the image runs it as a non-root user


def test_jupyterlab_requires_the_token_from_the_environment(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    env |= {
        "JUPYTER_TOKEN": "s3cret-token",
        "JUPYTER_HOST": "jupyter.example.org",
        "HOME": str(tmp_path),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"),
        "JUPYTER_DATA_DIR": str(tmp_path / "share"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "run"),
    }
    (tmp_path / "root").mkdir()
    log = tmp_path / "jupyter.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "jupyter"),
                "lab",
                f"--config={REPO / 'deploy' / 'jupyter_server_config.py'}",
                "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={port}",
                f"--ServerApp.root_dir={tmp_path / 'root'}",
                *ROOT_FLAG,
            ],
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                health = httpx.get(base + "/api", timeout=2, trust_env=False)  # compose's health check
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.3)
        assert health.status_code == 200 and "version" in health.json()
        assert httpx.get(base + "/api/contents", timeout=5, trust_env=False).status_code == 403
        assert (
            httpx.get(
                base + "/api/contents", params={"token": "wrong"}, timeout=5, trust_env=False
            ).status_code
            == 403
        )
        ok = httpx.get(
            base + "/api/contents",
            headers={"Authorization": "token s3cret-token"},
            timeout=5,
            trust_env=False,
        )
        assert ok.status_code == 200
        assert "s3cret-token" not in " ".join(proc.args)  # the token is not on the command line (ps)
    finally:
        stop(proc, timeout=15)


def test_config_refuses_to_start_without_token(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")} | {"HOME": str(tmp_path)}
    res = subprocess.run(
        [
            str(Path(sys.executable).parent / "jupyter"),
            "lab",
            f"--config={REPO / 'deploy' / 'jupyter_server_config.py'}",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={free_port()}",
            f"--ServerApp.root_dir={tmp_path}",
            *ROOT_FLAG,
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert res.returncode != 0 and "JUPYTER_TOKEN" in res.stdout + res.stderr


pytestmark = pytest.mark.timeout(120)
