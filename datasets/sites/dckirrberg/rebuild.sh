#!/usr/bin/env bash
# Rebuild the served folder of dckirrberg.de (DC Kirrberg e.V.) into data/sites/dckirrberg/site from the pinned
# snapshot of github.com/dckirrberg/website (branch gh-pages: the Docusaurus build output as deployed).
# The repository has no licence, so its files are not committed here; this script fetches them.
#   usage: rebuild.sh [GIT_SOURCE] [DEST]
#   GIT_SOURCE: a local git dir (bare mirror or clone) holding the commit, or a clone URL
#               (default https://github.com/dckirrberg/website.git)
#   DEST: default <repo>/data/sites/dckirrberg/site
# Blobs a partial mirror lacks (a few large images) are skipped with a note; no page or PDF is among them.
set -euo pipefail
COMMIT=7aa0b531ac5c2cfa579391718578180e141a1102
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="${1:-https://github.com/dckirrberg/website.git}"
dest="${2:-$here/../../../data/sites/dckirrberg/site}"
tmp=""
if [ -d "$src" ]; then
  gitdir="$(git -C "$src" rev-parse --absolute-git-dir 2>/dev/null || (cd "$src" && pwd))"
else
  tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
  git init -q --bare "$tmp/repo.git"
  git --git-dir="$tmp/repo.git" fetch -q --depth 1 "$src" "$COMMIT" \
    || git --git-dir="$tmp/repo.git" fetch -q "$src" gh-pages
  gitdir="$tmp/repo.git"
fi
git --git-dir="$gitdir" cat-file -e "$COMMIT^{commit}"
rm -rf "$dest"; mkdir -p "$dest"
missing=0
while IFS= read -r -d '' line; do
  meta=${line%%$'\t'*}; path=${line#*$'\t'}
  read -r _mode type sha <<<"$meta"
  [ "$type" = blob ] || continue
  mkdir -p "$dest/$(dirname "$path")"
  if ! git --git-dir="$gitdir" cat-file blob "$sha" >"$dest/$path" 2>/dev/null; then
    rm -f "$dest/$path"; missing=$((missing + 1)); echo "skipped (not in this git source): $path" >&2
  fi
done < <(git --git-dir="$gitdir" ls-tree -r -z "$COMMIT")
echo "dckirrberg: $(find "$dest" -name '*.html' | wc -l) HTML pages, $(find "$dest" -name '*.pdf' | wc -l) PDFs in $dest ($missing files skipped)"
