#!/usr/bin/env bash
# Rebuilds data/sites/kgv-galgenberg/site (the served folder) from the pinned public snapshot of
# github.com/kgvamgalgenberg/kgv-am-galgenberg-modern (hand-written HTML, served as is by GitHub Pages).
# The repository states no licence, so its files are not committed here.
# Usage: datasets/sites/kgv-galgenberg/rebuild.sh [GIT_DIR]   (default: clones from GitHub)
#   GIT_DIR: a local git dir holding the commit, e.g. /work/.mirror/kgvamgalgenberg+kgv-am-galgenberg-modern/repo
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
. "$here/../snapshot.sh"
snapshot_build kgvamgalgenberg/kgv-am-galgenberg-modern eb10d47282bab33c682539b6d9161ca028aafee5 \
  "$root/data/sites/kgv-galgenberg/site" "${1:-}" '^(README\.txt|CNAME)$'
