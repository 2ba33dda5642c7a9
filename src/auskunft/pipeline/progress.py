"""Progress of a run as JSON lines in the run folder (progress.jsonl).

Every process of a run (the flow, the batch workers on any host, the notebooks' kernels) appends small
events; the CLI tails the file for its live bars and the flow turns it into the Prefect progress artifact.
One line per event, written with a single append (atomic for lines below PIPE_BUF on a local file system);
a reader skips a torn line.

Events: {"e": "start", "step": ...} a step (re)starts; {"e": "plan", "docs", "done_docs"} the batches of
the run; {"e": "docs", "n", "pages", "ocr_pages", "failed"} documents extracted; {"e": "chunks", "n"} chunks
embedded; {"e": "indexed", "n"} documents written by the index step; {"e": "done", "step"}.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

log = logging.getLogger(__name__)

PROGRESS_FILE = "progress.jsonl"


class ProgressLog:
    """Appends events to <run_dir>/progress.jsonl (never raises: progress is best effort)."""

    def __init__(self, run_dir: Path | None) -> None:
        self.path = Path(run_dir) / PROGRESS_FILE if run_dir else None

    def emit(self, event: str, **fields: object) -> None:
        if self.path is None:
            return
        line = json.dumps({"e": event, "t": round(time.time(), 3), **fields}, separators=(",", ":")) + "\n"
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line.encode())
            finally:
                os.close(fd)
        except OSError as exc:
            log.debug("progress event not written: %s", exc)


class ProgressState(BaseModel):
    """The aggregate of a progress file (since its last run start)."""

    step: str = ""
    docs_total: int = 0
    docs_done: int = 0
    docs_failed: int = 0
    pages: int = 0
    ocr_pages: int = 0
    chunks: int = 0
    indexed: int = 0
    index_total: int = 0
    steps_done: list[str] = []
    started: float = 0.0
    updated: float = 0.0

    def apply(self, ev: dict) -> None:
        kind = ev.get("e")
        self.updated = float(ev.get("t", self.updated))
        if kind == "run":
            self.__init__()  # type: ignore[misc]  # a new attempt: count from here
            self.started = float(ev.get("t", 0.0))
        elif kind == "start":
            self.step = str(ev.get("step", ""))
            if self.step == "index":
                self.index_total = int(ev.get("docs", 0) or 0)
        elif kind == "plan":
            self.docs_total = int(ev.get("docs", 0))
            self.docs_done = int(ev.get("done_docs", 0))
        elif kind == "docs":
            self.docs_done += int(ev.get("n", 0))
            self.docs_failed += int(ev.get("failed", 0))
            self.pages += int(ev.get("pages", 0))
            self.ocr_pages += int(ev.get("ocr_pages", 0))
        elif kind == "chunks":
            self.chunks += int(ev.get("n", 0))
        elif kind == "indexed":
            self.indexed += int(ev.get("n", 0))
        elif kind == "done":
            self.steps_done.append(str(ev.get("step", "")))

    @property
    def fraction(self) -> float:
        """0..1 over the whole run: crawl 10 %, extraction + embedding 75 %, index 15 %."""
        if "index" in self.steps_done:
            return 1.0
        f = (
            0.1
            if ("crawl" in self.steps_done or self.docs_total or self.step in ("extract", "index"))
            else 0.0
        )
        if self.docs_total:
            f += 0.75 * min(1.0, self.docs_done / self.docs_total)
        elif "extract" in self.steps_done or self.step == "index":
            f += 0.75
        if self.step == "index" and self.index_total:
            f += 0.15 * min(1.0, self.indexed / self.index_total)
        return min(f, 1.0)


def read_state(path: Path, state: ProgressState | None = None, offset: int = 0) -> tuple[ProgressState, int]:
    """Apply the complete lines after `offset`; returns the state and the new offset."""
    state = state or ProgressState()
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            data = fh.read()
    except FileNotFoundError:
        return state, offset
    end = data.rfind(b"\n") + 1
    for raw in data[:end].splitlines():
        try:
            state.apply(json.loads(raw))
        except (ValueError, TypeError):
            continue  # a torn line (a writer killed mid-write)
    return state, offset + end


class ProgressWatcher:
    """Polls a progress file in a thread and calls `on_update(state)` when it changed."""

    def __init__(
        self,
        locate: Callable[[], Path | None],
        on_update: Callable[[ProgressState], None],
        interval: float = 0.5,
    ) -> None:
        self._locate, self._on_update, self._interval = locate, on_update, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="progress-watcher", daemon=True)
        self.state = ProgressState()

    def __enter__(self) -> ProgressWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.poll()

    def poll(self) -> None:
        path = self._locate()
        if path is None:
            return
        if path != getattr(self, "_path", None):
            self._path, self._offset, self.state = path, 0, ProgressState()
        before = self._offset
        self.state, self._offset = read_state(path, self.state, self._offset)
        if self._offset != before:
            try:
                self._on_update(self.state)
            except Exception:  # a display problem must not stop the run
                log.debug("progress update failed", exc_info=True)

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            self.poll()


def newest_progress_file(runs_dir: Path, source: str, since: float) -> Path | None:
    """The progress file of `source` written to after `since` (the run this process started)."""
    base = Path(runs_dir) / source
    if not base.exists():
        return None
    best: tuple[float, Path] | None = None
    for path in base.glob(f"*/{PROGRESS_FILE}"):
        try:
            mtime = path.stat().st_mtime
        except OSError:
            continue
        if mtime >= since and (best is None or mtime > best[0]):
            best = (mtime, path)
    return best[1] if best else None


class RichBars:
    """Live bars on the terminal for a ProgressState: documents (with ETA), pages, chunks, index."""

    def __init__(self, title: str, console: object | None = None) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._p = Progress(
            TextColumn("{task.description:<22}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[rate]}"),
            console=console,  # type: ignore[arg-type]
        )
        self._docs = self._p.add_task(f"{title}: documents", total=None, rate="")
        self._pages = self._p.add_task("  pages extracted", total=None, rate="")
        self._chunks = self._p.add_task("  chunks embedded", total=None, rate="")
        self._index = self._p.add_task("  documents indexed", total=None, rate="")
        self._lock = threading.Lock()

    def __enter__(self) -> RichBars:
        self._p.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._p.stop()

    def update(self, s: ProgressState) -> None:
        with self._lock:
            took = max(s.updated - s.started, 1e-6) if s.started else 0.0

            def rate(n: int, unit: str) -> str:
                return f"{n / took:.1f} {unit}/s" if took else ""

            self._p.update(
                self._docs,
                total=s.docs_total or None,
                completed=s.docs_done,
                rate=f"{s.docs_failed} failed" if s.docs_failed else "",
            )
            self._p.update(self._pages, completed=s.pages, rate=rate(s.pages, "pages"))
            self._p.update(self._chunks, completed=s.chunks, rate=rate(s.chunks, "chunks"))
            self._p.update(self._index, total=s.index_total or None, completed=s.indexed)
