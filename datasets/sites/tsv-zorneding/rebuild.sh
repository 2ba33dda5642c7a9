#!/usr/bin/env bash
# Rebuilds data/sites/tsv-zorneding/site (the served folder) from the pinned public snapshot: the Gatsby
# output on the repository's "build" branch.
# Usage: datasets/sites/tsv-zorneding/rebuild.sh [GIT_DIR]   (default: clones from GitHub)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
. "$here/../snapshot.sh"
# the Netlify CMS admin app, source maps and webpack stats are build by-products that no page links
snapshot_build TSV-Zorneding-1920/tsv-zorneding-tsv f9a6034c6db92c523daad29a6635b4cffc782b15 "$root/data/sites/tsv-zorneding/site" "${1:-}" \
  '^(admin/|.*\.map$|webpack\.stats\.json$)'
