"""Deployments with the sources' cron schedules, for the Prefect UI.

    python flows/deployments.py serve                 # one long-running process serves every schedule
    python flows/deployments.py register --pool auskunft   # register on a work pool; workers run them

`serve` is the simplest (embedded default, one machine). `register` is for the compose set-up and for
scale-out: every `prefect worker start --pool auskunft` on any host that reaches PREFECT_API_URL picks
runs up.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from auskunft.config import get_settings
from auskunft.orchestration import ingest_source_flow
from auskunft.sources import load_sources

REPO = Path(__file__).resolve().parent.parent
ENTRYPOINT = "flows/ingest.py:ingest_source_flow"


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
    """Register one deployment per source on a (process) work pool; returns the deployment ids."""
    flow = ingest_source_flow.from_source(source=str(source_dir), entrypoint=ENTRYPOINT)
    ids = []
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
