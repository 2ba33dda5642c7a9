"""`auskunft index list/promote/rollback/delete` as an operator runs them (a subprocess per command)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from auskunft.index import IndexManager, open_store
from auskunft.index.sentence_store import sentence_key, write_store
from tests.index.test_versions import config


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATA_DIR": str(tmp_path / "data"), "LOG_LEVEL": "WARNING", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "auskunft", "index", *args],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # the CLI's console writes to stderr
        text=True,
        timeout=60,
    )


def test_list_promote_rollback_delete(tmp_path: Path) -> None:
    client = open_store("", tmp_path / "data" / "qdrant", None)
    manager = IndexManager(client, "auskunft")
    manager.promote(manager.create_version(config()).version)
    manager.create_version(config(chunk_max_tokens=200))
    client.close()  # publishes what this process wrote; the CLI opens its own store
    sentences = tmp_path / "data" / "sentences"  # both versions' precomputed sentence vectors
    for name in ("auskunft__v1", "auskunft__v2"):
        write_store(sentences / name, [sentence_key(name)], np.ones((1, 4), np.float32) / 2, model="m")

    listed = _cli(tmp_path, "list")
    assert listed.returncode == 0, listed.stdout
    rows = [line for line in listed.stdout.splitlines() if "auskunft__v" in line]
    assert len(rows) == 2 and "*" in rows[0] and "*" not in rows[1], listed.stdout

    promoted = _cli(tmp_path, "promote", "2")
    assert promoted.returncode == 0 and "live: auskunft__v2" in promoted.stdout, promoted.stdout
    refused = _cli(tmp_path, "delete", "2")  # the live version
    assert refused.returncode == 2 and "index_not_found" in refused.stdout
    rolled = _cli(tmp_path, "rollback")
    assert rolled.returncode == 0 and "live: auskunft__v1" in rolled.stdout, rolled.stdout
    deleted = _cli(tmp_path, "delete", "2")
    assert deleted.returncode == 0 and "deleted auskunft__v2" in deleted.stdout, deleted.stdout
    missing = _cli(tmp_path, "promote", "9")
    assert missing.returncode == 2, missing.stdout

    client = open_store("", tmp_path / "data" / "qdrant", None, read_only=True)  # what the CLI left
    assert [v.version for v in IndexManager(client, "auskunft").list_versions()] == [1]
    assert sorted(p.name for p in sentences.iterdir()) == ["auskunft__v1"]  # the store went with its version
    client.close()
