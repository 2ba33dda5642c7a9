#!/usr/bin/env bash
# Rebuild the served folder of pep-dortmund.org (PeP et al. e.V.) into data/sites/pep-dortmund/site from the
# pinned snapshot of github.com/pep-dortmund/homepage (Jekyll sources; the repository holds no built output).
#   usage: rebuild.sh [GIT_DIR] [DEST]
#   GIT_DIR: a local git dir holding the commit (e.g. /work/.mirror/pep-dortmund+homepage/repo);
#            default: a bare clone from GitHub.   DEST: default <repo>/data/sites/pep-dortmund/site
# Needs Debian's Jekyll: apt-get install -y jekyll ruby-jekyll-paginate (Jekyll 4.3, no bundler, offline).
# The build is made reproducible: the site's clock is pinned to the commit date (job ads are listed while
# `site.time < publish_until`), the Gemfile is dropped (no bundler) and the Bootstrap SCSS, which needs the
# bootstrap gem, is left out (styling only: no text depends on it).
set -euo pipefail
REPO=pep-dortmund/homepage
COMMIT=6c77278d03524fa7e06b362bb2d2ca295992f862
SITE_TIME="2026-07-21 19:01:50 +0200"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dest="${2:-$here/../../../data/sites/pep-dortmund/site}"
command -v jekyll >/dev/null || { echo "jekyll missing: apt-get install -y jekyll ruby-jekyll-paginate" >&2; exit 2; }
# shellcheck source=../snapshot.sh
. "$here/../snapshot.sh"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
snapshot_build "$REPO" "$COMMIT" "$work/src" "${1:-}" '^(Gemfile|Gemfile\.lock|_plugins/add_bootstrap\.rb|assets/css/bootstrap-custom\.scss)$'
# symbolic links in the tree (dokumente/jahresbericht_*.pdf -> jahresrueckblick_*.pdf) come out of the
# snapshot as files holding the link target: give them the target's content, as the web server would
find "$work/src" -type f -size -200c -name '*.pdf' | while read -r link; do
  target="$(dirname "$link")/$(head -c 199 "$link")"
  if [ -f "$target" ]; then cp "$target" "$link"; fi
done
printf 'time: "%s"\n' "$SITE_TIME" >"$work/pin.yml"
rm -rf "$dest"; mkdir -p "$(dirname "$dest")"
(cd "$work/src" && jekyll build --quiet --config _config.yml,"$work/pin.yml" -d "$dest")
echo "pep-dortmund: $(find "$dest" -name '*.html' | wc -l) HTML pages, $(find "$dest" -name '*.pdf' | wc -l) PDFs in $dest"
