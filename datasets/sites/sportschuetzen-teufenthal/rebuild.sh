#!/usr/bin/env bash
# Rebuild the served folder of the Sportschützen Teufenthal (Swiss 50 m shooting club) into
# data/sites/sportschuetzen-teufenthal/site from the pinned snapshot of github.com/sportschuetzen-teufenthal/website
# (Jekyll sources with `remote_theme: mmistakes/minimal-mistakes`; the repository holds no built output).
#   usage: rebuild.sh [GIT_DIR] [THEME_GIT_DIR] [DEST]
#   GIT_DIR: a local git dir holding the site commit (e.g. /work/.mirror/sportschuetzen-teufenthal+website/repo);
#   THEME_GIT_DIR: a local git dir holding the theme commit (mmistakes/minimal-mistakes or a fork of it, e.g.
#            /work/.mirror/Benbentwo+minimal-mistakes/repo/.git); default for both: a bare clone from GitHub.
#   DEST: default <repo>/data/sites/sportschuetzen-teufenthal/site
# Needs Debian's Jekyll: apt-get install -y jekyll ruby-jekyll-paginate (Jekyll 4.3, no bundler, offline).
# The remote theme is replaced by a local copy of Minimal Mistakes 4.19.3 (the upstream release commit), its
# `include_cached` tags become plain `include` (jekyll-include-cache is not installed) and of the plugins only
# jekyll-paginate (which `make corpus` installs) is kept: the feed, sitemap, gist and emoji plugins add no page text.
set -euo pipefail
REPO=sportschuetzen-teufenthal/website
COMMIT=b447c26d76fdb26810809df6328cb84f9eebc5ee
THEME_REPO=mmistakes/minimal-mistakes
THEME_COMMIT=5021021fc811ee10e1af5dc8cdfaff4707563a35 # "Release 4.19.3"
ORIGIN=https://sportschuetzen-teufenthal.ch
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dest="${3:-$here/../../../data/sites/sportschuetzen-teufenthal/site}"
command -v jekyll >/dev/null || { echo "jekyll missing: apt-get install -y jekyll ruby-jekyll-paginate" >&2; exit 2; }
# shellcheck source=../snapshot.sh
. "$here/../snapshot.sh"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
snapshot_build "$REPO" "$COMMIT" "$work/src" "${1:-}" '^(Gemfile|Gemfile\.lock|\.github/.*)$'
snapshot_build "$THEME_REPO" "$THEME_COMMIT" "$work/theme" "${2:-}" '^(docs|test|\.github)/.*$'
# the theme's files, where the site has none of its own (the site's _data/navigation.yml and images win)
for part in _layouts _includes _sass assets _data; do
  (cd "$work/theme" && find "$part" -type f) | while read -r f; do
    [ -e "$work/src/$f" ] && continue
    mkdir -p "$work/src/$(dirname "$f")" && cp "$work/theme/$f" "$work/src/$f"
  done
done
grep -rl 'include_cached' "$work/src/_layouts" "$work/src/_includes" | xargs -r sed -i 's/include_cached/include/g'
printf 'remote_theme: null\ntheme: null\nurl: "%s"\nbaseurl: ""\nplugins: [jekyll-paginate]\n' "$ORIGIN" >"$work/pin.yml"
rm -rf "$dest"; mkdir -p "$(dirname "$dest")"
(cd "$work/src" && JEKYLL_ENV=production jekyll build --quiet --config _config.yml,"$work/pin.yml" -d "$dest")
echo "sportschuetzen-teufenthal: $(find "$dest" -name '*.html' | wc -l) HTML pages, $(find "$dest" -name '*.pdf' | wc -l) PDFs in $dest"
