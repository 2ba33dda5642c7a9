"""`auskunft admin hash-token` and `auskunft analytics` as a user runs them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from service.admin import verify_token


def _cli(tmp_path: Path, *args: str) -> str:
    env = {**os.environ, "DATA_DIR": str(tmp_path / "data"), "LOG_LEVEL": "WARNING"}
    out = subprocess.run(
        [sys.executable, "-m", "auskunft", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_hash_token_generates_a_token_the_service_accepts(tmp_path: Path) -> None:
    out = _cli(tmp_path, "admin", "hash-token")
    token = re.search(r"admin token \(.*\): (\S+)", out).group(1)
    hashed = re.search(r"ADMIN_TOKEN_HASH=(\S+)", out).group(1)
    assert len(token) >= 32 and verify_token(token, hashed) and not verify_token(token + "x", hashed)
    given = _cli(tmp_path, "admin", "hash-token", "--token", "my-secret")
    assert verify_token("my-secret", re.search(r"ADMIN_TOKEN_HASH=(\S+)", given).group(1))


def test_analytics_json_on_an_empty_event_log(tmp_path: Path) -> None:
    report = json.loads(_cli(tmp_path, "analytics", "--json"))
    assert set(report) == {"top_questions", "unanswered", "feedback", "latency"}
    assert all(rows == [] for rows in report.values())
