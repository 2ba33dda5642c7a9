"""Deployments with the sources' cron schedules, for the Prefect UI.

    python flows/deployments.py serve                 # one long-running process serves every schedule
    python flows/deployments.py register --pool auskunft   # register on a work pool; workers run them

`serve` is the simplest (embedded default, one machine; a source's batches run on this machine's cores).
`register` is for the compose set-up and for scale-out: every `prefect worker start --pool auskunft` on any
host that reaches PREFECT_API_URL picks runs up. It also registers `ingest-batches/ingest-batches`, the
deployment a source run starts its batches on (set INGEST_BATCH_DEPLOYMENT=ingest-batches/ingest-batches),
so the batches of one source spread over every worker of the pool.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from auskunft.config import get_settings
from auskunft.orchestration import ingest_source_flow
from auskunft.sources import load_sources

REPO = Path(__file__).resolve().parent.parent
ENTRYPOINT = "flows/ingest.py:ingest_source_flow"
BATCH_ENTRYPOINT = "flows/ingest.py:ingest_batches_flow"
BATCH_DEPLOYMENT = "ingest-batches"  # INGEST_BATCH_DEPLOYMENT=ingest-batches/ingest-batches


def deployment_name(source: str) -> str:
    return f"ingest-{source}"


def serve(sources_file: Path) -> None:
    from prefect import serve as prefect_serve

    deployments = [
        ingest_source_flow.to_deployment(
            name=deployment_name(s.name),
            cron=s.schedule,
            parameters={"source_name": s.name},
            tags=["ingest", s.name],
        )
        for s in load_sources(sources_file)
    ]
    prefect_serve(*deployments)


def register(sources_file: Path, pool: str, source_dir: Path = REPO) -> list[str]:
    """Register one deployment per source, and the batch deployment, on a (process) work pool; returns
    the deployment ids."""
    flow = ingest_source_flow.from_source(source=str(source_dir), entrypoint=ENTRYPOINT)
    batches = ingest_source_flow.from_source(source=str(source_dir), entrypoint=BATCH_ENTRYPOINT)
    ids = [
        str(
            batches.deploy(
                name=BATCH_DEPLOYMENT,
                work_pool_name=pool,
                tags=["ingest", "batches"],
                build=False,
                push=False,
                print_next_steps=False,
            )
        )
    ]
    for s in load_sources(sources_file):
        dep_id = flow.deploy(
            name=deployment_name(s.name),
            work_pool_name=pool,
            cron=s.schedule,
            parameters={"source_name": s.name, "sources_file": str(sources_file.resolve())},
            tags=["ingest", s.name],
            build=False,
            push=False,
            print_next_steps=False,
        )
        ids.append(str(dep_id))
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("mode", choices=["serve", "register"])
    parser.add_argument("--pool", default="auskunft")
    parser.add_argument("--sources-file", type=Path, default=None)
    args = parser.parse_args()
    sources_file = args.sources_file or get_settings().sources_file
    if args.mode == "serve":
        serve(sources_file)
    else:
        for dep in register(sources_file, args.pool):
            print(dep)


if __name__ == "__main__":
    main()
