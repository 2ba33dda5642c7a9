#!/usr/bin/env bash
# Rebuilds data/sites/ff-heitzenhofen/site (the served folder) from the pinned public snapshot.
# Usage: datasets/sites/ff-heitzenhofen/rebuild.sh [GIT_DIR]   (default: clones from GitHub)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
. "$here/../snapshot.sh"
# the Windows content-manager app, a .bat and a .docx are in the repository but not part of the site
snapshot_build Daniel-Hartl/ffh-website fdd51f5e62b3a2362a0939f3613ddc1a61c8f383 "$root/data/sites/ff-heitzenhofen/site" "${1:-}" \
  '^(FFH-Website-Manager/|run as lan server\.bat$|Recht Bilder\.docx$|\.gitignore$)'
