"""kill -9 mid-ingest loses nothing: killed runs, resumed until one finishes, leave the same documents and
the same live index (point ids + payloads) as one clean run, with no half-written files.

Each attempt is `run_direct` (auskunft.ingest) in a child process (its own process group) with two worker processes and
small batches, killed with SIGKILL (the whole run, or one worker process of its pool) once its progress
file shows it extracting, embedding or writing the index, plus a random delay. Then a last run finishes.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from auskunft.devserver import serve_directory
from tests.support.procs import native_env

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500)]

RUN = """
import json, sys
from auskunft.ingest import run_direct
from auskunft.pipeline import settings_for
settings = settings_for(sys.argv[1], sys.argv[2])
out = run_direct(settings, "big", processes=2, batch_docs=3)
print(json.dumps(out, default=str))
"""


def _sources(path: Path, origin: str) -> Path:
    path.write_text(
        yaml.safe_dump(
            {
                "sources": [
                    {
                        "name": "big",
                        "start_urls": ["http://verband.example/"],
                        "host_aliases": {"http://verband.example": origin},
                        "allow_private": True,
                        "max_pages": 500,
                        "max_depth": 10,
                        "rate_limit_per_s": 50,
                        "concurrency": 4,
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    return path


def _start(root: Path, sources: Path, log: Path) -> subprocess.Popen:
    env = native_env(root, OMP_WAIT_POLICY="PASSIVE")
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-c", RUN, str(root / "data"), str(sources)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        kids = (task / "children").read_text().split() if (task / "children").exists() else []
        out += [int(k) for k in kids]
    return out


def _events(root: Path) -> list[dict]:
    runs = sorted((root / "data" / "runs" / "big").glob("*/progress.jsonl"))
    if not runs:
        return []
    out = []
    for line in runs[-1].read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue  # a line torn by an earlier kill
    return out


def _reached(events: list[dict], stage: str) -> bool:
    """The current attempt (after its last "run" event) reached `stage`."""
    last = max((i for i, e in enumerate(events) if e["e"] == "run"), default=-1)
    mine = events[last + 1 :] if last >= 0 else []
    if stage == "extracting":
        return sum(e.get("n", 0) for e in mine if e["e"] == "docs") >= 2
    if stage == "embedding":
        return any(e["e"] == "chunks" for e in mine)
    if stage == "indexing":
        return any(e["e"] == "start" and e.get("step") == "index" for e in mine)
    raise ValueError(stage)


def _kill_at(proc: subprocess.Popen, root: Path, stage: str, worker_first: bool, rng: random.Random) -> str:
    """Once the attempt reached `stage`: SIGKILL one worker process of its pool (the run goes on with a
    fresh pool) if `worker_first`, then, a moment later, the run's whole process group."""
    log = root / "run.log"
    deadline = time.monotonic() + 600
    while proc.poll() is None and not _reached(_events(root), stage) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(rng.uniform(0.0, 1.5))
    workers = _children(proc.pid) if proc.poll() is None else []
    if worker_first and workers:
        os.kill(rng.choice(workers), signal.SIGKILL)
        with log.open("a") as fh:
            fh.write(f"\n=== test: killed one worker process while {stage}\n")
        time.sleep(rng.uniform(2.0, 5.0))
    if proc.poll() is not None:
        return "finished"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    with log.open("a") as fh:
        fh.write(f"\n=== test: killed the whole run while {stage}\n")
    return "run"


def _snapshot(root: Path) -> dict:
    """Documents (without crawl times) and the live index: point id -> payload hash."""
    from auskunft import pipeline
    from auskunft.index import IndexManager
    from auskunft.models import Chunk

    settings = pipeline.settings_for(root / "data", root / "sources.yml")
    docs = {}
    for path in sorted((settings.documents_dir / "big").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))  # a half-written file would not parse
        data.pop("crawled_at", None)
        docs[path.name] = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    target = pipeline.index_target_from_settings(settings)
    store, _, _ = pipeline.open_index(target, read_only=True)
    try:
        manager = IndexManager(store, target.kb)
        live = manager.live()
        assert live is not None
        fields = [f for f in Chunk.model_fields if f not in ("chunk_id", "crawled_at")] + ["cite_url"]
        points = {
            pid: hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
            for pid, payload in store.scroll(live.collection, None, fields)
        }
        versions = [v.version for v in manager.list_versions()]
    finally:
        store.close()
    return {"docs": docs, "points": points, "versions": versions}


def test_killed_and_resumed_runs_end_like_a_clean_run(tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from bench.large_site import generate

    counts = generate(tmp_path / "site", scale=0.012, scanned_every=6)  # 12 PDFs (2 scanned), 6 HTML pages
    assert counts["scanned_pages"] >= 1
    rng = random.Random(int(os.environ.get("RESUME_TEST_SEED", "12")))
    with serve_directory(tmp_path / "site") as srv:
        clean, killed = tmp_path / "clean", tmp_path / "killed"
        for root in (clean, killed):
            root.mkdir()
            _sources(root / "sources.yml", srv.origin)

        proc = _start(clean, clean / "sources.yml", clean / "run.log")
        assert proc.wait(timeout=600) == 0, (clean / "run.log").read_text()[-3000:]

        kills = []
        for stage, worker_first in [("extracting", True), ("embedding", False), ("indexing", False)]:
            proc = _start(killed, killed / "sources.yml", killed / "run.log")
            kills.append(_kill_at(proc, killed, stage, worker_first, rng))
            if proc.returncode == 0:
                break
        else:
            proc = _start(killed, killed / "sources.yml", killed / "run.log")
            assert proc.wait(timeout=600) == 0, (killed / "run.log").read_text()[-3000:]
        assert kills.count("run") >= 2, kills  # whole runs were killed mid-way (and resumed)

    a, b = _snapshot(clean), _snapshot(killed)
    assert a["docs"] and a["points"]
    assert b["docs"] == a["docs"]
    assert b["points"] == a["points"]  # same point ids, same payloads: no duplicates, no orphans
    assert b["versions"] == a["versions"] == [1]  # a killed first build was resumed, not built again
    runs = sorted((killed / "data" / "runs" / "big").iterdir())
    assert json.loads((runs[-1] / "summary.json").read_text())["ok"]
    leftovers = [p for p in (killed / "data" / "documents").rglob("*.json") if p.name.startswith(".")]
    assert not leftovers
