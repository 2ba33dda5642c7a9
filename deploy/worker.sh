#!/usr/bin/env bash
# A Prefect worker of the `auskunft` process pool. Every host whose workers reach PREFECT_API_URL joins the
# same pool: start more with `docker compose up -d --scale worker=N` or on other machines (see README).
set -euo pipefail
POOL=${PREFECT_WORK_POOL:-auskunft}
prefect work-pool inspect "$POOL" >/dev/null 2>&1 || prefect work-pool create "$POOL" --type process
if [ -f "${SOURCES_FILE:-/data/sources.yml}" ]; then
  python flows/deployments.py register --pool "$POOL" --sources-file "${SOURCES_FILE:-/data/sources.yml}" || true
fi
exec prefect worker start --pool "$POOL" --type process --with-healthcheck
