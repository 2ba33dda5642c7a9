#!/usr/bin/env bash
# Rebuilds data/sites/agenda21-garching/site (the served folder) from the pinned public snapshot.
# Usage: datasets/sites/agenda21-garching/rebuild.sh [GIT_DIR]   (default: clones from GitHub)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
. "$here/../snapshot.sh"
snapshot_build Agenda21Garching/Agenda21Garching.github.io 808df35d198b28f2054e1ed82f542ade99135d44 "$root/data/sites/agenda21-garching/site" "${1:-}" '^\.gitignore$'
