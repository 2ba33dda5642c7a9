"""Prefect entry points for ingestion (deployment entrypoints: flows/ingest.py:ingest_source_flow, and
flows/ingest.py:ingest_batches_flow for the batches a source run spreads over the work pool's workers).

The flows live in the core package (auskunft.orchestration) so the CLI can run them too; this file is
what Prefect deployments and workers load.
"""

from auskunft.orchestration import ingest_all_flow, ingest_batches_flow, ingest_source_flow

__all__ = ["ingest_all_flow", "ingest_batches_flow", "ingest_source_flow"]

if __name__ == "__main__":
    import sys

    ingest_source_flow(sys.argv[1] if len(sys.argv) > 1 else "demo")
