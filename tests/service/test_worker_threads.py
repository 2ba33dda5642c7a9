"""The service's processes run numpy's BLAS on one thread (service/__main__.py `one_blas_thread`): OpenBLAS's
own threads spin after every call and cost a worker a core (docs/benchmarks-answer-cost.md, session 13)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from auskunft.testing.procs import REPO

PROBE = """
import json, os, sys
import service.__main__ as m
m.one_blas_thread()
before = len(os.listdir("/proc/self/task"))
import numpy as np
a = np.ones((300, 300), dtype=np.float32)
(a @ a).sum()
print(json.dumps({"before": before, "after": len(os.listdir("/proc/self/task")),
                  "setting": os.environ["OPENBLAS_NUM_THREADS"]}))
"""


def probe(**env: str) -> dict:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENBLAS_", "OMP_", "GOTO"))}
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=base | {"PYTHONPATH": f"{REPO / 'src'}:{REPO}"} | env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_importing_the_service_does_not_load_numpy() -> None:
    """OpenBLAS reads its thread count when numpy loads: `main` can only set it if nothing loaded numpy."""
    code = "import sys, service.__main__; print('numpy' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "False"


def test_numpy_starts_no_blas_threads_in_the_service() -> None:
    got = probe()
    assert got["setting"] == "1"
    assert got["after"] == got["before"]  # OpenBLAS started no threads of its own


def test_the_operators_setting_wins() -> None:
    assert probe(OPENBLAS_NUM_THREADS="2")["setting"] == "2"
