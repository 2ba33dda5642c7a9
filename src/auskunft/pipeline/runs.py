"""Run folders: one per ingestion run of a source, holding every file the steps write.

    <runs_dir>/<source>/<run_id>/crawl_manifest.json    (CrawlManifest)
                                 batches/plan.json      (BatchPlan: the new/changed documents in batches)
                                 batches/<n>.json       (BatchReport: written when batch n is done)
                                 embeddings/<doc>.npz   (vectors of the documents embedded by the batches)
                                 extract_report.json    (ExtractReport, all batches)
                                 index_report.json      (IndexReport)
                                 progress.jsonl         (progress events, tailed by the CLI)
                                 <step>.outputs.json    (StepOutputs of crawl, extract, index)
                                 promotion_report.json  (PromotionReport)
                                 summary.json           (RunSummary, written at the end of the run)
                                 *.ipynb                (executed notebooks, notebook runner only)

A run that stopped before its summary says `ok` (killed, crashed) is resumed by the next run of the source:
the crawl is not repeated, finished batches are not redone.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from auskunft.config import Settings

log = logging.getLogger(__name__)

MANIFEST = "crawl_manifest.json"
EXTRACT_REPORT = "extract_report.json"
INDEX_REPORT = "index_report.json"
SUMMARY = "summary.json"


def new_run_dir(runs_dir: Path, source: str) -> Path:
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)
    path = runs_dir / source / run_id
    path.mkdir(parents=True, exist_ok=False)
    return path


def atomic_write_text(path: Path, text: str) -> Path:
    """Write via a temporary file unique to this process and os.replace: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(3)}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_json(path: Path, model: BaseModel) -> Path:
    return atomic_write_text(path, model.model_dump_json(indent=2))


def latest_run_dir(runs_dir: Path, source: str) -> Path:
    """The newest run folder of a source (run ids sort by time)."""
    base = runs_dir / source
    runs = sorted(p for p in base.iterdir() if p.is_dir()) if base.exists() else []
    if not runs:
        from auskunft.errors import AuskunftError

        raise AuskunftError(f"no runs for source {source!r} under {base}: run the crawl step first")
    return runs[-1]


def run_finished(run_dir: Path) -> bool:
    path = run_dir / SUMMARY
    if not path.exists():
        return False
    try:
        return bool(json.loads(path.read_text(encoding="utf-8")).get("ok"))
    except (OSError, ValueError):
        return False


def unfinished_run_dir(runs_dir: Path, source: str) -> Path | None:
    """The newest run of `source` if it has a crawl manifest but did not finish (killed or crashed).

    A run killed during its crawl has no manifest and committed no crawl state: the next run crawls
    again, so such a folder is not resumed.
    """
    base = runs_dir / source
    if not base.exists():
        return None
    runs = sorted(p for p in base.iterdir() if p.is_dir())
    if not runs:
        return None
    last = runs[-1]
    return last if (last / MANIFEST).exists() and not run_finished(last) else None


def start_run_dir(runs_dir: Path, source: str, *, resume: bool = True) -> tuple[Path, bool]:
    """(run folder, resumed): the unfinished run of the source to continue, else a new one."""
    if resume:
        found = unfinished_run_dir(runs_dir, source)
        if found is not None:
            log.info("resuming unfinished run %s", found)
            return found, True
    return new_run_dir(runs_dir, source), False


@contextlib.contextmanager
def source_lock(runs_dir: Path, source: str) -> Iterator[None]:
    """One ingestion run per source at a time (an advisory lock the kernel drops when the process dies)."""
    import fcntl

    from auskunft.errors import AuskunftError

    path = runs_dir / source / ".lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            raise AuskunftError(
                f"source {source!r} is being ingested right now ({holder}); try again later"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} on {os.uname().nodename}")
        fh.flush()
        try:
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fcntl.flock(fh, fcntl.LOCK_UN)


def finish_run(run_dir: Path) -> None:
    """After a finished run: its per-document vectors have been written to the index; drop them."""
    import shutil

    from auskunft.pipeline.embed_cache import EMBEDDINGS_DIR

    shutil.rmtree(run_dir / EMBEDDINGS_DIR, ignore_errors=True)


def resolve_run_dir(
    settings: Settings, source: str, run_dir: str | Path = "", *, create: bool = False
) -> Path:
    if run_dir:
        path = Path(run_dir)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return new_run_dir(settings.runs_dir, source) if create else latest_run_dir(settings.runs_dir, source)


class StepTimer:
    """`with StepTimer() as t: ...; t.seconds`"""

    def __enter__(self) -> StepTimer:
        self._t0 = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = round(time.perf_counter() - self._t0, 3)
