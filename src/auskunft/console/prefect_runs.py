"""Flow runs of a source's ingestion from the Prefect API (state, start, duration, link to the UI)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)
FLOW = "ingest-source"  # auskunft.orchestration.ingest_source_flow; runs are named "ingest-<source>"


@dataclass(frozen=True)
class FlowRunInfo:
    id: str
    name: str
    state: str  # Completed, Failed, Running, Scheduled, …
    started: str
    seconds: float | None
    url: str  # the run in the Prefect UI ("" without a UI address)
    message: str = ""


def flow_runs(source: str, ui_url: str = "", limit: int = 20) -> list[FlowRunInfo]:
    """Newest first. Reads PREFECT_API_URL from the environment (Prefect's own setting); raises on an
    unreachable API (the page says so)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName, FlowRunFilter, FlowRunFilterName
    from prefect.client.schemas.sorting import FlowRunSort

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=[FLOW])),
            flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[f"ingest-{source}"])),
            sort=FlowRunSort.EXPECTED_START_TIME_DESC,
            limit=limit,
        )
    out = []
    for r in runs:
        start = r.start_time or r.expected_start_time
        out.append(
            FlowRunInfo(
                id=str(r.id),
                name=r.name,
                state=(r.state.name if r.state else None) or "?",
                started=start.strftime("%Y-%m-%d %H:%M UTC") if start else "",
                seconds=round(r.total_run_time.total_seconds(), 1) if r.total_run_time else None,
                url=f"{ui_url.rstrip('/')}/runs/flow-run/{r.id}" if ui_url else "",
                message=(r.state.message or "")[:500] if r.state and r.state.is_failed() else "",
            )
        )
    return out
