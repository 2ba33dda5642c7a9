#!/usr/bin/env bash
# The test command: lint, type check, then every test tier. Slow tiers run too (CI has 90 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
export PATH="$PWD/$VENV/bin:$PATH"
ruff check .
ruff format --check .
mypy
python scripts/check_licences.py   # runtime dependencies' licences vs AGPL-3.0-or-later
python -m pytest "$@"
