#!/usr/bin/env bash
# Rebuild the served folder of the DTFB documents site (Deutscher Tischfussballbund e.V.,
# https://deutscher-tischfussballbund.github.io/dtfb-docs/) into data/sites/dtfb/site from the pinned snapshot
# of github.com/Deutscher-Tischfussballbund/dtfb-docs (Jekyll sources as GitHub Pages builds them; the PDFs
# in assets/pdf are committed there). The site lives under /dtfb-docs/ of its origin, so it is built into
# data/sites/dtfb/site/dtfb-docs and the folder is served from "/".
#   usage: rebuild.sh [GIT_DIR] [DEST]
#   GIT_DIR: a local git dir holding the commit (e.g. /work/.mirror/Deutscher-Tischfussballbund+dtfb-docs/repo);
#            default: a bare clone from GitHub.   DEST: default <repo>/data/sites/dtfb/site
# Needs Debian's Jekyll and the plugins GitHub Pages enables (offline, no bundler):
#   apt-get install -y jekyll ruby-jekyll-toc ruby-jekyll-relative-links ruby-jekyll-optional-front-matter \
#     ruby-jekyll-titles-from-headings
# Reproducible build: Jekyll's clock is pinned to the commit date (the pages print "Zuletzt geändert am" from
# site.time), baseurl is the GitHub Pages project path, every page gets the repository's own layout (GitHub
# Pages' default-layout plugin does the same), and the theme named in _config.yml (jekyll-theme-minimal, not in
# Debian) is dropped: the repository's _layouts/default.html and assets/css are used, so no text depends on it.
set -euo pipefail
REPO=Deutscher-Tischfussballbund/dtfb-docs
COMMIT=b9c54e0fd402549f961890e562817d71002bf329
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dest="${2:-$here/../../../data/sites/dtfb/site}"
command -v jekyll >/dev/null || { echo "jekyll missing: see the apt-get line at the top of $0" >&2; exit 2; }
# shellcheck source=../snapshot.sh
. "$here/../snapshot.sh"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
snapshot_build "$REPO" "$COMMIT" "$work/src" "${1:-}"
sed -i '/^theme:/d' "$work/src/_config.yml"
cat >"$work/pin.yml" <<'YML'
time: "2025-05-05 07:17:20 +0000"
baseurl: "/dtfb-docs"
plugins:
  - jekyll-toc
  - jekyll-relative-links
  - jekyll-optional-front-matter
  - jekyll-titles-from-headings
defaults:
  - scope:
      path: ""
    values:
      layout: default
YML
rm -rf "$dest"; mkdir -p "$dest"
(cd "$work/src" && jekyll build --quiet --config _config.yml,"$work/pin.yml" -d "$dest/dtfb-docs")
echo "dtfb: $(find "$dest" -name '*.html' | wc -l) HTML pages, $(find "$dest" -name '*.pdf' | wc -l) PDFs in $dest"
