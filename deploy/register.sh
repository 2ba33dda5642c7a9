#!/usr/bin/env bash
# Register (create or update) one Prefect deployment per source in SOURCES_FILE on the work pool, with the
# source's cron schedule. Idempotent: run it after every change to sources.yml.
#   docker compose run --rm worker bash deploy/register.sh
#   PREFECT_API_URL=http://127.0.0.1:4200/api bash deploy/register.sh       (without Docker)
set -euo pipefail
cd "$(dirname "$0")/.."
POOL=${PREFECT_WORK_POOL:-auskunft}
SOURCES=${SOURCES_FILE:-/data/sources.yml}
PY=${PYTHON:-python}
[ -x .venv/bin/python ] && [ -z "${PYTHON:-}" ] && PY=.venv/bin/python
"$PY" flows/deployments.py register --pool "$POOL" --sources-file "$SOURCES"
