#!/usr/bin/env bash
# Online backup of every piece of auskunft state into backup/<date>/ (run on the compose host, in the repo):
#   qdrant/      one snapshot per collection (Qdrant snapshots API) + aliases.json
#   prefect.dump Postgres custom-format dump of the Prefect database
#   mlflow/      MLflow sqlite (online .backup copy as mlflow.db) + artifacts
#   redis/       RDB after BGSAVE + AOF (sessions, cache, rate limits)
#   data.tgz     the data volume (sources.yml, raw store, documents, runs, event logs)
#   letsencrypt.tgz  ACME account + certificates
# Restore: see README.md ("Backups and restore").
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-backup/$(date -u +%Y-%m-%dT%H%M%SZ)}
mkdir -p "$B"
B=$(cd "$B" && pwd)
dc() { docker compose "$@"; }

echo "backup: qdrant snapshots"
dc exec -T service python - <<'PY'
import json, os, httpx
h = {"api-key": os.environ["QDRANT_API_KEY"]}
q = httpx.Client(base_url="http://qdrant:6333", headers=h, timeout=600)
names = [c["name"] for c in q.get("/collections").raise_for_status().json()["result"]["collections"]]
for name in names:
    snap = q.post(f"/collections/{name}/snapshots").raise_for_status().json()["result"]["name"]
    print(f"  {name}: {snap}")
aliases = q.get("/aliases").raise_for_status().json()["result"]["aliases"]
with open("/tmp/aliases.json", "w") as f:
    json.dump(aliases, f)
PY
dc cp qdrant:/qdrant/snapshots "$B/qdrant"
dc cp service:/tmp/aliases.json "$B/qdrant/aliases.json"

echo "backup: prefect database"
dc exec -T prefect-db pg_dump -U prefect -Fc prefect > "$B/prefect.dump"

echo "backup: mlflow"
dc exec -T mlflow python -c "import sqlite3; s=sqlite3.connect('/mlflow/mlflow.db'); d=sqlite3.connect('/tmp/mlflow.db'); s.backup(d); d.close()"
mkdir -p "$B/mlflow"
dc cp mlflow:/tmp/mlflow.db "$B/mlflow/mlflow.db"
dc cp mlflow:/mlflow/artifacts "$B/mlflow/artifacts" 2>/dev/null || echo "  (no artifacts yet)"

echo "backup: redis"
dc exec -T redis sh -c 'redis-cli -a "$REDIS_PASSWORD" --no-auth-warning BGSAVE >/dev/null; sleep 2'
dc cp redis:/data "$B/redis"

echo "backup: data volume and certificates"
docker run --rm -v auskunft_auskunft-data:/v:ro -v "$B":/b debian:bookworm-slim tar czf /b/data.tgz -C /v .
docker run --rm -v auskunft_letsencrypt:/v:ro -v "$B":/b debian:bookworm-slim tar czf /b/letsencrypt.tgz -C /v .
du -sh "$B"
echo "backup: done -> $B (copy it off this host)"
