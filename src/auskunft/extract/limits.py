"""Hard limits per document: extraction runs in a forked child with an address-space limit and a deadline.

A time budget checked between library calls cannot stop a call that never returns (mupdf rendering 200,000
vector lines, a /Contents array naming one stream 300,000 times, bs4 on a 30 MB DOM bomb), and a memory
budget cannot be checked from Python at all. So the process that runs the extraction enforces both:

- the child gets `RLIMIT_AS` = its address space at the fork + `memory_mb`: an allocation beyond it fails
  at once (MemoryError in Python, a failed malloc in mupdf/lxml), or the child dies;
- the parent samples what the work adds to its process tree (the child's private memory: its allocations and
  the pages it copied on write, plus the PSS of any tesseract the child started) every 0.1 s and kills the
  child's process group past `memory_mb`: the address-space limit does not see the pages the child copies
  from its parent on write (up to the worker's ~180 MB of Python objects, mostly PyMuPDF's bindings) nor
  tesseract's own memory;
- at each sample the parent lowers the child's soft `RLIMIT_AS` to its address space + what is left of
  `memory_mb`, so a fast allocation fails at once and does not run on until the next sample;
- the parent waits at most `time_s` for the result and then kills the child's process group.

Either way the document fails with a reason that says which limit it hit; the process that forked (a pool
worker, the serial extraction) is untouched, so no other document is lost. The fork is cheap (copy on write
of a process that already imported the extractors): ~5-20 ms per document.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import re
import resource
import selectors
import signal
import time
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel

from auskunft.errors import ExtractionError
from auskunft.proctree import descendants, private_mb, pss_mb

log = logging.getLogger(__name__)
T = TypeVar("T")


class DocLimits(BaseModel):
    """Per-document limits of one extraction (EXTRACT_MEMORY_MB, EXTRACT_TIME_S; docs/security.md).

    `memory_mb` is what the extraction may add to the process that forks it (a pool worker: ~190 MB, mostly
    PyMuPDF's bindings, shared with the child); the largest real PDFs of the corpus add up to ~420 MB."""

    memory_mb: int = 480
    time_s: float = 660.0  # the PDF extractor's own budget (600 s) plus a margin to finish cleanly


WATCH_INTERVAL_S = 0.1  # a read of smaps_rollup costs ~1 ms on Linux, up to 60 ms in a gVisor sandbox
TREE_SCAN_S = 2.0  # the child's own processes (tesseract) are looked up this often (a scan of /proc)


class LimitExceeded(ExtractionError):
    """A document passed its memory or time limit; `peak_mb` is the child's peak RSS, `grew_mb` the most its
    work added to the forking process's tree (PSS, sampled)."""

    code = "limit_exceeded"

    def __init__(self, message: str, *, peak_mb: float = 0.0, grew_mb: float = 0.0) -> None:
        super().__init__(message)
        self.peak_mb = peak_mb
        self.grew_mb = grew_mb


class _TreeWatch:
    """What a child's work adds to this process's tree: the child's private memory (pages it still shares with
    this process count once, here) and the PSS of the child's own processes."""

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self._kids: list[int] = []
        self._scanned = 0.0

    def grew_mb(self, pid: int) -> float:
        if time.monotonic() - self._scanned >= TREE_SCAN_S:
            self._kids, self._scanned = descendants(pid), time.monotonic()
        grew = private_mb(pid) + sum(pss_mb(p) for p in self._kids)
        self.peak_mb = max(self.peak_mb, grew)
        return grew

    def tighten(self, pid: int, memory_mb: int, grew: float) -> None:
        """Lower the child's soft RLIMIT_AS to what is left of `memory_mb` now: a fast allocation then fails at
        once instead of running on until the next sample (the copies and tesseract used part of the limit)."""
        left = max(0.0, memory_mb - grew) * 1024 * 1024
        with contextlib.suppress(OSError, ValueError):
            _, hard = resource.prlimit(pid, resource.RLIMIT_AS)
            soft = min(hard, _address_space(pid) + int(left))
            resource.prlimit(pid, resource.RLIMIT_AS, (soft, hard))


def _address_space(pid: int | str = "self") -> int:
    """Bytes of address space a process holds now (VmSize)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _child(
    fn: Callable[..., Any], args: tuple[Any, ...], kw: dict[str, Any], memory_mb: int, out: int
) -> None:
    os.setpgid(0, 0)  # its own group: the deadline kill takes any subprocess (tesseract) with it
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    limit = _address_space() + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        payload = pickle.dumps(("ok", fn(*args, **kw)))
    except MemoryError:
        payload = pickle.dumps(("memory", ""))
    except BaseException as exc:  # noqa: BLE001 - handed to the parent, raised there
        try:
            payload = pickle.dumps(("error", exc))
        except Exception:  # an exception that does not pickle: its type and text
            payload = pickle.dumps(("error", ExtractionError(f"{type(exc).__name__}: {exc}")))
    view = memoryview(payload)
    while view:
        view = view[os.write(out, view) :]


def run_limited(
    fn: Callable[..., T], *args: Any, limits: DocLimits, what: str = "extraction", **kw: Any
) -> T:
    """fn(*args, **kw) in a forked child under `limits`; its result, or its exception raised here.

    Raises LimitExceeded when the child passed the deadline (killed), ran out of its memory, or died.
    """
    read, write = os.pipe()
    watch = _TreeWatch()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child (coverage does not follow forks)
        code = 0
        try:
            os.close(read)
            _child(fn, args, kw, limits.memory_mb, write)
        except BaseException:  # noqa: BLE001 - the child never returns into the caller's stack
            code = 70
        finally:
            os._exit(code)
    os.close(write)
    chunks: list[bytes] = []
    deadline = time.monotonic() + limits.time_s
    timed_out = over = False
    with selectors.DefaultSelector() as sel:
        sel.register(read, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            grew = watch.grew_mb(pid)
            if grew > limits.memory_mb:
                over = True
                break
            watch.tighten(pid, limits.memory_mb, grew)
            if not sel.select(min(left, WATCH_INTERVAL_S)):
                continue
            chunk = os.read(read, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    os.close(read)
    if timed_out or over:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    _, status, usage = os.wait4(pid, 0)
    peak_mb = usage.ru_maxrss / 1024
    if over:
        raise LimitExceeded(
            f"{what} stopped: memory limit of {limits.memory_mb} MB exceeded "
            f"(its processes took {watch.peak_mb:.0f} MB; killed)",
            peak_mb=peak_mb,
            grew_mb=watch.peak_mb,
        )
    if timed_out:
        raise LimitExceeded(
            f"{what} stopped: time limit of {limits.time_s:g} s exceeded (killed)",
            peak_mb=peak_mb,
            grew_mb=watch.peak_mb,
        )
    data = b"".join(chunks)
    if not data:
        how = (
            f"signal {os.WTERMSIG(status)}"
            if os.WIFSIGNALED(status)
            else f"exit {os.waitstatus_to_exitcode(status)}"
        )
        raise LimitExceeded(
            f"{what} stopped: its process died ({how}; memory limit {limits.memory_mb} MB)", peak_mb=peak_mb
        )
    kind, value = pickle.loads(data)  # noqa: S301 - our own child's bytes
    if kind == "memory" or (kind == "error" and _is_memory_failure(value)):
        detail = f" ({value})" if value else ""
        raise LimitExceeded(
            f"{what} stopped: memory limit of {limits.memory_mb} MB exceeded{detail}", peak_mb=peak_mb
        )
    if kind == "error":
        raise value
    log.debug("%s in a child: peak RSS %.0f MB", what, peak_mb)
    return value  # type: ignore[no-any-return]


_ALLOC_FAILED = re.compile(r"\b[cm]?alloc\b.*\bfailed|realloc.*failed|out of memory|cannot allocate", re.I)


def _is_memory_failure(exc: BaseException) -> bool:
    """mupdf ("calloc (1 x 4216 bytes) failed") and lxml report a failed allocation as their own error."""
    return isinstance(exc, MemoryError) or bool(_ALLOC_FAILED.search(str(exc)))
