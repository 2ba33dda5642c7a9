"""The supervising parent: the guard (service/guard.py) on the public address, Robyn workers behind it.

Each worker is `python -m service --worker` on a loopback port of its own. A worker that dies (a Robyn
panic aborts the whole process) is started again at once: the guard keeps the public socket, so clients
are never refused meanwhile; their requests wait for a live worker (`worker_wait_s`), or go to another
one when there are several. A worker that keeps dying early is restarted with a growing pause (no busy
loop on a broken configuration). A worker dies with its parent (PR_SET_PDEATHSIG), so `kill -9` of the
supervisor leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import secrets
import signal
import socket
import sys
import time
from dataclasses import dataclass, field

from service.guard import Guard, GuardLimits, Streams, WorkerUnavailable
from service.guard_admission import AdmissionLimits, AnswerAdmission

log = logging.getLogger("auskunft.service.supervisor")
QUICK_DEATH_S = 10.0  # a worker that dies sooner than this after its start counts as failing to start
MAX_PAUSE_S = 30.0
SECRET_ENV = "AUSKUNFT_GUARD_SECRET"  # noqa: S105 - the name of the variable


# workers' niceness above the guard's (AUSKUNFT_WORKER_NICE, 0-19; default 0): on a host whose cores other
# programs keep busy too, a few steps let the guard win the CPU against the workers it refuses work for
WORKER_NICE = max(0, min(19, int(os.environ.get("AUSKUNFT_WORKER_NICE", "0") or 0)))


def _die_with_parent() -> None:  # runs in the child between fork and exec
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if WORKER_NICE:
        with contextlib.suppress(OSError):
            os.nice(WORKER_NICE)


def _free_port(taken: set[int]) -> int:
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port not in taken:
            return port


@dataclass
class Worker:
    slot: int
    port: int = 0
    proc: asyncio.subprocess.Process | None = None
    started: float = 0.0
    restarts: int = 0
    quick_deaths: int = 0
    deaths: list[float] = field(default_factory=list)  # monotonic times, for tests and the bench


class Supervisor:
    def __init__(self, n_workers: int, worker_args: list[str], env: dict[str, str]) -> None:
        self.secret = secrets.token_urlsafe(32)
        self.env = {**env, SECRET_ENV: self.secret}
        self.worker_args = worker_args
        self.workers = [Worker(slot=i) for i in range(max(1, n_workers))]
        self.stopping = False
        self._next = 0
        self._tasks: list[asyncio.Task] = []

    # ------------------------------------------------------------------------------------ workers
    async def _spawn(self, w: Worker) -> None:
        w.port = _free_port({x.port for x in self.workers if x is not w})
        cmd = [sys.executable, "-m", "service", "--worker", "--host", "127.0.0.1", "--port", str(w.port)]
        w.proc = await asyncio.create_subprocess_exec(
            *cmd, *self.worker_args, env=self.env, preexec_fn=_die_with_parent
        )
        w.started = time.monotonic()
        log.info("worker %d started (pid %d, port %d)", w.slot, w.proc.pid, w.port)

    async def _watch(self, w: Worker) -> None:
        while not self.stopping:
            assert w.proc is not None
            rc = await w.proc.wait()
            if self.stopping:
                return
            now = time.monotonic()
            w.deaths.append(now)
            w.quick_deaths = w.quick_deaths + 1 if now - w.started < QUICK_DEATH_S else 0
            pause = 0.0 if w.quick_deaths <= 1 else min(MAX_PAUSE_S, 0.5 * 2 ** (w.quick_deaths - 2))
            log.error(
                "worker %d (pid %d) exited with %s; starting it again in %.1f s",
                w.slot,
                w.proc.pid,
                rc,
                pause,
            )
            await asyncio.sleep(pause)
            if self.stopping:
                return
            w.restarts += 1
            await self._spawn(w)

    async def start(self) -> None:
        """Start the workers; the first one alone until it accepts connections (it migrates the console
        database at start-up, which the others must not do at the same time)."""
        for i, w in enumerate(self.workers):
            await self._spawn(w)
            self._tasks.append(asyncio.create_task(self._watch(w)))
            if i == 0 and len(self.workers) > 1:
                await self._accepting(w, 300.0)

    async def _accepting(self, w: Worker, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and w.proc is not None and w.proc.returncode is None:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", w.port)
            except OSError:
                await asyncio.sleep(0.1)
                continue
            writer.close()
            return

    async def stop(self, grace_s: float = 5.0) -> None:
        self.stopping = True
        procs = [w.proc for w in self.workers if w.proc is not None and w.proc.returncode is None]
        for p in procs:
            with contextlib.suppress(ProcessLookupError):
                p.terminate()
        try:
            await asyncio.wait_for(asyncio.gather(*(p.wait() for p in procs)), grace_s)
        except TimeoutError:
            for p in procs:
                with contextlib.suppress(ProcessLookupError):
                    p.kill()
        for t in self._tasks:
            t.cancel()

    # ------------------------------------------------------------------------------------ for the guard
    def live(self) -> int:
        """Workers running now (the guard's admission divides the expected wait by them)."""
        return sum(1 for w in self.workers if w.proc is not None and w.proc.returncode is None)

    async def connect(self, deadline: float) -> Streams:
        """A connection to a live worker, round robin; waits (until `deadline`) while none accepts."""
        loop = asyncio.get_running_loop()
        while True:
            n = len(self.workers)
            for i in range(n):
                w = self.workers[(self._next + i) % n]
                if w.proc is None or w.proc.returncode is not None:
                    continue
                try:
                    streams = await asyncio.open_connection("127.0.0.1", w.port)
                except OSError:
                    continue
                self._next = (self._next + i + 1) % n
                return streams
            if self.stopping or loop.time() >= deadline:
                raise WorkerUnavailable("the service is restarting, retry shortly")
            await asyncio.sleep(0.05)


async def _serve(
    host: str, port: int, sup: Supervisor, limits: GuardLimits, admission: AdmissionLimits | None
) -> None:
    await sup.start()
    adm = AnswerAdmission(admission, workers=sup.live) if admission is not None else None
    guard = Guard(sup.connect, sup.secret, limits, adm)
    server = await guard.serve(host, port)
    log.info("guard listening on %s:%d with %d worker(s)", host, port, len(sup.workers))
    done = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, done.set)
    await done.wait()
    server.close()
    await sup.stop()


def run(
    host: str,
    port: int,
    n_workers: int,
    limits: GuardLimits,
    worker_args: list[str] | None = None,
    admission: AdmissionLimits | None = None,
) -> None:
    """Blocks until SIGTERM/SIGINT: the guard on host:port, `n_workers` supervised Robyn workers; answer
    requests admitted by expected wait in the guard with `admission` (None: only the workers' gates)."""
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover - uvloop comes with Robyn
        pass
    sup = Supervisor(n_workers, worker_args or [], dict(os.environ))
    asyncio.run(_serve(host, port, sup, limits, admission))
