"""python -m service --host 127.0.0.1 --port 8080 --processes 1

By default the guard (service/guard.py) listens on --host/--port and supervises --processes Robyn workers
(service/supervisor.py), each started as `python -m service --worker` on a loopback port of its own.
SERVICE_GUARD=false runs Robyn on --host/--port directly (then something in front must bound bodies)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys

from auskunft.config import get_settings
from auskunft.logging_setup import configure_logging

# numpy's OpenBLAS starts a thread per core at import, and after every call it hands work to them those threads
# spin for ~0.1 s waiting for more: in a worker answering every ~20 ms that is a core kept busy for nothing
# (18 -> 36-42 ms of CPU per answer measured; docs/benchmarks-answer-cost.md). An answer's matrices are far
# too small to gain from threads, and several worker processes share the cores anyway.
BLAS_THREADS = {"OPENBLAS_NUM_THREADS": "1"}


def one_blas_thread() -> None:
    """Single-threaded BLAS in this process and the workers it starts, unless the operator set it. Only
    before numpy is imported (OpenBLAS reads it when it loads), hence first thing in `main`."""
    for key, value in BLAS_THREADS.items():
        os.environ.setdefault(key, value)
    if "numpy" in sys.modules:
        logging.getLogger("auskunft.service").warning(
            "numpy was imported before the BLAS thread setting: OpenBLAS keeps its threads"
        )


def main() -> None:
    one_blas_thread()
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m service", description="auskunft chat service (Robyn)")
    parser.add_argument("--host", default=settings.service_host)
    parser.add_argument("--port", type=int, default=settings.service_port)
    parser.add_argument("--processes", type=int, default=settings.service_processes)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)  # started by the supervisor
    args, _ = parser.parse_known_args()
    configure_logging(settings.log_level)
    sys.argv = sys.argv[:1]  # Robyn's own parser must not see our flags
    if settings.service_guard and not args.worker:
        from service.guard import GuardLimits
        from service.guard_admission import AdmissionLimits
        from service.supervisor import run

        limits = GuardLimits(
            max_body_bytes=settings.guard_max_request_bytes, worker_wait_s=settings.guard_worker_wait_s
        )
        admission = AdmissionLimits(
            max_wait_s=settings.search_max_wait_s,
            queue=settings.search_queue,
            allowed_origins=tuple(settings.allowed_origins),
        )
        # extractive answers are work in the worker; with an LLM they are mostly waiting (guard_admission.py)
        run(
            args.host,
            args.port,
            args.processes,
            limits,
            admission=None if settings.llm_enabled else admission,
        )
        return
    processes = 1 if args.worker else args.processes

    def _stop(signum: int, frame: object) -> None:  # Robyn 0.88 hangs on SIGTERM in single-process mode
        try:
            import multiprocess

            for child in multiprocess.active_children():
                child.terminate()
        finally:
            os._exit(0)

    signal.signal(signal.SIGTERM, _stop)
    from service.app import create_app

    app = create_app(processes=processes)
    app.start(host=args.host, port=args.port, _check_port=False)


if __name__ == "__main__":
    main()
