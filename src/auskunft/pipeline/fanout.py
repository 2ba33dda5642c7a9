"""Spread a run's batches over the Prefect work pool's workers, then finish what is left on this host.

With INGEST_BATCH_DEPLOYMENT set (compose: `ingest-batches/ingest-batches` on the `auskunft` pool), the
pending batches are split into one group per online worker (or INGEST_FANOUT) and each group becomes a
flow run of that deployment: Prefect hands it to a free worker of the pool, on any host that shares the
data directory, which runs the group over its own cores (pipeline.worker). This process waits for them
and then runs every batch that still has no report itself (a worker that died, a pool without workers),
so nothing is lost and nothing depends on a particular worker. Without a deployment (embedded default)
all batches run here, over this host's cores.
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from auskunft.config import Settings
from auskunft.models import Source
from auskunft.pipeline.batches import load_plan, pending
from auskunft.pipeline.crawl import load_manifest
from auskunft.pipeline.extract import plan_run, run_pending_batches
from auskunft.pipeline.progress import ProgressState, ProgressWatcher
from auskunft.pipeline.steps import StepParams
from auskunft.pipeline.worker import batch_job, run_batches

log = logging.getLogger(__name__)

FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def fan_out(settings: Settings, source: Source, run_dir: Path, *, poll_s: float = 2.0) -> None:
    """Run every pending batch of the run: on the pool's workers (if configured), then here."""
    job = batch_job(settings, source, run_dir)
    plan = plan_run(run_dir, settings.ingest_batch_docs, job)
    todo = pending(run_dir, plan)
    if todo and settings.ingest_batch_deployment:
        try:
            _dispatch(settings, source.name, run_dir, todo, poll_s=poll_s)
        except Exception:  # the pool is a speed-up: without it the batches still run here
            log.warning(
                "dispatching batches to %s failed; running them here",
                settings.ingest_batch_deployment,
                exc_info=True,
            )
    left = run_pending_batches(job, plan, processes=settings.ingest_processes)
    if left:
        log.info("%d batches ran on this host", left)


class BatchGroupResult(BaseModel):
    """What a flow run of the `ingest-batches` deployment did."""

    batches: list[int]  # the batches it ran (the others of its group had a report already)
    documents: int  # documents extracted by them


def run_batch_group(params: StepParams, batches: list[int]) -> BatchGroupResult:
    """Run the given batches of the run on this worker's cores (a group `fan_out` dispatched)."""
    s = params.settings
    records = {r.url: r for r in load_manifest(params.run_dir).records}
    job = batch_job(s, params.source, params.run_dir)
    reports = run_batches(
        job, load_plan(params.run_dir), batches, processes=s.ingest_processes, records=records
    )
    return BatchGroupResult(batches=[r.index for r in reports], documents=sum(r.extracted for r in reports))


def groups_of(indices: list[int], n: int) -> list[list[int]]:
    n = max(1, min(n, len(indices)))
    return [indices[i::n] for i in range(n)]


def _online_workers(client: Any, deployment: Any) -> int:
    pool = getattr(deployment, "work_pool_name", None)
    if not pool:
        return 1
    workers = client.read_workers_for_work_pool(pool)
    return max(1, sum(1 for w in workers if str(getattr(w, "status", "")).upper().endswith("ONLINE")))


def _dispatch(settings: Settings, source_name: str, run_dir: Path, todo: list[int], *, poll_s: float) -> None:
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name(settings.ingest_batch_deployment)
        n = settings.ingest_fanout or _online_workers(client, deployment)
        runs = []
        for group in groups_of(todo, n):
            run: Any = run_deployment(
                settings.ingest_batch_deployment,
                parameters={
                    "source_name": source_name,
                    "run_dir": str(run_dir),
                    "batches": group,
                    "sources_file": str(settings.sources_file.resolve()),
                    "data_dir": str(settings.data_dir.resolve()),
                },
                timeout=0,  # create and return; this process waits below
                as_subflow=True,
            )
            runs.append(run.id)
        log.info(
            "dispatched %d batches as %d flow runs of %s",
            len(todo),
            len(runs),
            settings.ingest_batch_deployment,
        )
        waiting = set(runs)
        while waiting:
            time.sleep(poll_s)
            for run_id in list(waiting):
                state = client.read_flow_run(run_id).state
                if state is not None and state.type.value in FINAL:
                    waiting.discard(run_id)
                    if state.type.value != "COMPLETED":
                        log.warning(
                            "batch flow run %s ended %s: its batches run here", run_id, state.type.value
                        )
            if not pending(run_dir, plan_run(run_dir, settings.ingest_batch_docs)):
                break  # every batch has its report; a straggler's run may still be shutting down


@contextmanager
def progress_artifact(run_dir: Path, source: str, interval: float = 2.0):  # noqa: ANN201
    """A Prefect progress artifact of the flow run that follows the run's progress file while it runs.

    One API client for the artifact's life (prefect.artifacts' sync helpers open a client per call and
    never close it)."""
    from auskunft.pipeline.progress import PROGRESS_FILE

    try:
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.actions import ArtifactCreate, ArtifactUpdate
        from prefect.context import FlowRunContext

        ctx = FlowRunContext.get()
        client: Any = get_client(sync_client=True)
        client.__enter__()
    except Exception:  # outside a flow run or without an API: no artifact, the run goes on
        log.debug("no progress artifact", exc_info=True)
        yield
        return
    try:
        key = "ingest-progress-" + "".join(c if c.isalnum() else "-" for c in source.lower())
        try:
            artifact = client.create_artifact(
                ArtifactCreate(
                    key=key,
                    type="progress",
                    data=0.0,
                    description=f"Ingestion of {source}",
                    flow_run_id=ctx.flow_run.id if ctx and ctx.flow_run else None,
                )
            )
        except Exception:
            log.warning("could not create the progress artifact", exc_info=True)
            yield
            return
        last = [-1.0]

        def update(state: ProgressState) -> None:
            pct = round(100 * state.fraction, 1)
            if pct != last[0]:
                last[0] = pct
                client.update_artifact(artifact.id, ArtifactUpdate(data=pct))

        with ProgressWatcher(lambda: run_dir / PROGRESS_FILE, update, interval=interval):
            yield
        client.update_artifact(artifact.id, ArtifactUpdate(data=100.0))
    finally:
        client.__exit__(None, None, None)
