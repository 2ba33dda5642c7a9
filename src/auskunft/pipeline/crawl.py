"""Crawl step: fetch a source into the raw store and write the run's crawl manifest.

The per-source crawl state is committed only after the manifest is on disk: a run killed before that
leaves the old state (the next run crawls those pages again), a run killed after it is resumed from its
manifest, so no fetched page is forgotten between crawl and extraction.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from auskunft.crawl.store import CrawlState
from auskunft.models import CrawlManifest, CrawlRecord, Source
from auskunft.pipeline.runs import MANIFEST, atomic_write_text, write_json

log = logging.getLogger(__name__)

PENDING_STATE = "crawl_state.pending.json"


class _DeferredState(CrawlState):
    """CrawlState whose replace() is held back until commit()."""

    pending: dict[str, CrawlRecord] | None = None

    def replace(self, records: dict[str, CrawlRecord]) -> None:
        self.pending = dict(records)

    def commit(self) -> None:
        if self.pending is not None:
            CrawlState.replace(self, self.pending)


def _save_pending(run_dir: Path, records: dict[str, CrawlRecord]) -> None:
    payload = {u: r.model_dump(mode="json") for u, r in sorted(records.items())}
    atomic_write_text(run_dir / PENDING_STATE, json.dumps(payload, ensure_ascii=False))


def _commit_pending(run_dir: Path, state_dir: Path, source: str) -> None:
    path = run_dir / PENDING_STATE
    if path.exists():
        raw = json.loads(path.read_text(encoding="utf-8"))
        CrawlState(state_dir, source).replace({u: CrawlRecord.model_validate(r) for u, r in raw.items()})
        path.unlink()


def crawl_step(
    source: Source,
    *,
    raw_dir: Path,
    state_dir: Path,
    run_dir: Path,
    progress: bool = False,
    render_memory_mb: int | None = None,
) -> CrawlManifest:
    """Crawl `source` into `run_dir`; a run folder that already holds a manifest (resumed run) is not
    crawled again. `render_memory_mb`: RENDER_MEMORY_MB (None: the browser watchdog's default)."""
    from auskunft.crawl import RawStore, crawl_source

    if (run_dir / MANIFEST).exists():
        _commit_pending(run_dir, state_dir, source.name)  # killed between manifest and state commit
        manifest = load_manifest(run_dir)
        log.info("crawl %s: resumed run, manifest of %s reused", source.name, run_dir.name)
        return manifest
    state = _DeferredState(state_dir, source.name)
    manifest = crawl_source(
        source,
        raw_store=RawStore(raw_dir),
        state=state,
        progress=progress,
        run_id=run_dir.name,
        render_memory_mb=render_memory_mb,
    )
    if state.pending is not None:
        _save_pending(run_dir, state.pending)
    write_json(run_dir / MANIFEST, manifest)
    _commit_pending(run_dir, state_dir, source.name)
    log.info("crawl %s: %s", source.name, manifest.counts())
    return manifest


def load_manifest(run_dir: Path) -> CrawlManifest:
    return CrawlManifest.model_validate_json((run_dir / MANIFEST).read_text(encoding="utf-8"))
