"""Start a crawl of one source: the admin API's and the console's "crawl now" (one way for both)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid

from auskunft.config import Settings


async def start_crawl(settings: Settings, name: str, *, log_prefix: str) -> dict:
    """Through the Prefect deployment when a Prefect server is configured, else a background `auskunft ingest`
    (the embedded store takes that writer beside the serving processes)."""
    if settings.prefect_api_url:
        from prefect.deployments import run_deployment

        run = await asyncio.to_thread(run_deployment, f"ingest-source/ingest-{name}", timeout=0)
        return {"run_id": str(getattr(run, "id", "")), "via": "prefect"}
    run_id = uuid.uuid4().hex
    log_path = settings.runs_dir / f"{log_prefix}-{run_id}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as out:
        subprocess.Popen(
            [sys.executable, "-m", "auskunft", "ingest", "--source", name],  # noqa: S603
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return {"run_id": run_id, "via": "subprocess", "log": str(log_path)}
