"""Hard limits per document: extraction runs in a forked child with an address-space limit and a deadline.

A time budget checked between library calls cannot stop a call that never returns (mupdf rendering 200,000
vector lines, a /Contents array naming one stream 300,000 times, bs4 on a 30 MB DOM bomb), and a memory
budget cannot be checked from Python at all. So the process that runs the extraction enforces both:

- the child gets `RLIMIT_AS` = its address space at the fork + `memory_mb`: an allocation beyond it fails
  (MemoryError in Python, a failed malloc in mupdf/lxml), or the child dies;
- the parent waits at most `time_s` for the result and then kills the child's process group (the child and
  any tesseract it started).

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

log = logging.getLogger(__name__)
T = TypeVar("T")


class DocLimits(BaseModel):
    """Per-document limits of one extraction (memory above the forking process's, wall time)."""

    memory_mb: int = 1536
    time_s: float = 660.0  # the PDF extractor's own budget (600 s) plus a margin to finish cleanly


class LimitExceeded(ExtractionError):
    """A document passed its memory or time limit; `peak_mb` is the child's peak RSS."""

    code = "limit_exceeded"

    def __init__(self, message: str, *, peak_mb: float = 0.0) -> None:
        super().__init__(message)
        self.peak_mb = peak_mb


def _address_space() -> int:
    """Bytes of address space this process holds now (VmSize)."""
    with open("/proc/self/status", encoding="ascii") as f:
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
    timed_out = False
    with selectors.DefaultSelector() as sel:
        sel.register(read, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                timed_out = True
                break
            chunk = os.read(read, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    os.close(read)
    if timed_out:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    _, status, usage = os.wait4(pid, 0)
    peak_mb = usage.ru_maxrss / 1024
    if timed_out:
        raise LimitExceeded(
            f"{what} stopped: time limit of {limits.time_s:g} s exceeded (killed)", peak_mb=peak_mb
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
