#!/usr/bin/env bash
# A Prefect worker of the `auskunft` process pool. Every worker that reaches PREFECT_API_URL (and sends
# PREFECT_API_AUTH_STRING) joins the same pool, on this host (`docker compose up -d --scale worker=N`) or on
# others (see README.md, "Scaling workers"). Flow runs execute in a subprocess of this worker, in /app.
set -euo pipefail
cd "$(dirname "$0")/.."
POOL=${PREFECT_WORK_POOL:-auskunft}
# several workers may start at once: creating the pool twice is harmless, a missing pool afterwards is not
prefect work-pool inspect "$POOL" >/dev/null 2>&1 || prefect work-pool create "$POOL" --type process >/dev/null 2>&1 || true
prefect work-pool inspect "$POOL" >/dev/null
if [ -f "${SOURCES_FILE:-/data/sources.yml}" ]; then
  # (re-)register one deployment per source so schedule changes in sources.yml take effect on restart
  bash deploy/register.sh || echo "worker: registering deployments failed (see above); the worker starts anyway" >&2
fi
exec prefect worker start --pool "$POOL" --type process --with-healthcheck
