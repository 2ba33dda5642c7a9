"""The run's progress file: events from several processes add up, a torn line (a writer killed mid-write)
is skipped, a resumed attempt starts counting again, and the CLI finds the file of the run it started."""

from __future__ import annotations

import io
import json
import os
import time
from pathlib import Path

from rich.console import Console

from auskunft.pipeline.progress import (
    PROGRESS_FILE,
    ProgressLog,
    ProgressWatcher,
    RichBars,
    newest_progress_file,
    read_state,
)


def test_events_add_up_and_torn_lines_are_skipped(tmp_path: Path) -> None:
    log = ProgressLog(tmp_path)
    log.emit("run", resumed=False)
    log.emit("done", step="crawl")
    log.emit("plan", docs=10, done_docs=0, batches=3)
    for pages in (3, 1, 12):
        log.emit("docs", n=1, pages=pages, ocr_pages=1 if pages == 12 else 0, failed=0)
    log.emit("docs", n=1, pages=0, ocr_pages=0, failed=1)
    log.emit("chunks", n=64)
    with open(tmp_path / PROGRESS_FILE, "a", encoding="utf-8") as fh:
        fh.write('{"e":"docs","n":1,"pa')  # killed mid-write: no newline
    state, offset = read_state(tmp_path / PROGRESS_FILE)
    assert (state.docs_total, state.docs_done, state.docs_failed) == (10, 4, 1)
    assert (state.pages, state.ocr_pages, state.chunks) == (16, 1, 64)
    assert 0.1 < state.fraction < 0.85
    assert offset < (tmp_path / PROGRESS_FILE).stat().st_size  # the torn tail is not consumed

    with open(tmp_path / PROGRESS_FILE, "a", encoding="utf-8") as fh:
        fh.write("\n")  # the next writer's line starts on a fresh line
    log.emit("run", resumed=True)  # the next attempt: finished batches are counted by its plan event
    log.emit("plan", docs=10, done_docs=6, batches=3)
    log.emit("start", step="index", docs=10)
    log.emit("indexed", n=5)
    state, _ = read_state(tmp_path / PROGRESS_FILE, state, offset)
    assert (state.docs_done, state.pages, state.index_total, state.indexed) == (6, 0, 10, 5)
    log.emit("done", step="index")
    state, _ = read_state(tmp_path / PROGRESS_FILE)
    assert state.fraction == 1.0


def test_parallel_writers_do_not_interleave_lines(tmp_path: Path) -> None:
    pids = []
    for _ in range(4):
        pid = os.fork()
        if pid == 0:  # a batch worker on the same host
            log = ProgressLog(tmp_path)
            for _ in range(500):
                log.emit("docs", n=1, pages=2, ocr_pages=0, failed=0)
            os._exit(0)
        pids.append(pid)
    for pid in pids:
        assert os.waitpid(pid, 0)[1] == 0
    lines = (tmp_path / PROGRESS_FILE).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2000 and all(json.loads(line)["pages"] == 2 for line in lines)


def test_cli_finds_the_run_it_started_and_draws_bars(tmp_path: Path) -> None:
    old = tmp_path / "demo" / "20250101T000000Z-aaaaaa"
    old.mkdir(parents=True)
    ProgressLog(old).emit("run")
    os.utime(old / PROGRESS_FILE, (time.time() - 3600, time.time() - 3600))
    since = time.time() - 1
    assert newest_progress_file(tmp_path, "demo", since) is None  # an old run is not this one
    new = tmp_path / "demo" / "20260101T000000Z-bbbbbb"
    new.mkdir()
    log = ProgressLog(new)
    log.emit("run")
    log.emit("plan", docs=4, done_docs=0)
    assert newest_progress_file(tmp_path, "demo", since) == new / PROGRESS_FILE

    out = io.StringIO()
    bars = RichBars("demo", console=Console(file=out, force_terminal=True, width=120))
    seen = []
    with (
        bars,
        ProgressWatcher(
            lambda: newest_progress_file(tmp_path, "demo", since),
            lambda s: (seen.append(s.docs_done), bars.update(s)),
            interval=0.05,
        ),
    ):
        for _ in range(4):
            log.emit("docs", n=1, pages=5, ocr_pages=0, failed=0)
            time.sleep(0.1)
    assert seen and seen[-1] == 4
    screen = out.getvalue()
    assert "demo: documents" in screen and "4/4" in screen and "pages extracted" in screen
