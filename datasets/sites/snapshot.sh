# Shared by the rebuild.sh scripts of datasets/sites/*: copy a built site out of a pinned git snapshot.
# Source it, then call: snapshot_build OWNER/NAME COMMIT DEST [GIT_DIR] [EXCLUDE_ERE]
#   GIT_DIR: a local git directory holding COMMIT (e.g. /work/.mirror/owner+name/repo); default: a bare
#            clone of https://github.com/OWNER/NAME into a temporary directory.
#   EXCLUDE_ERE: paths (relative to the repository root) matching this extended regex are not copied.
# Blobs the snapshot lacks (large files left out of a mirror) are skipped and listed on stderr: real sites
# have dead links too.
snapshot_build() {
  local repo=$1 commit=$2 dest=$3 gitdir=${4:-} exclude=${5:-'^$'} tmp=""
  if [ -z "$gitdir" ]; then
    tmp=$(mktemp -d)
    git clone --quiet --bare "https://github.com/$repo.git" "$tmp/repo.git"
    gitdir=$tmp/repo.git
  fi
  git --git-dir="$gitdir" cat-file -e "$commit^{commit}"
  rm -rf "$dest" && mkdir -p "$dest"
  local line meta path mode type obj missing=0
  while IFS= read -r -d '' line; do
    meta=${line%%$'\t'*}; path=${line#*$'\t'}
    read -r mode type obj <<<"$meta"
    [ "$type" = blob ] || continue
    [[ $path =~ $exclude ]] && continue
    if git --git-dir="$gitdir" cat-file -e "$obj" 2>/dev/null; then
      mkdir -p "$dest/$(dirname "$path")"
      git --git-dir="$gitdir" cat-file blob "$obj" >"$dest/$path"
    else
      echo "not in the snapshot (skipped): $path" >&2; missing=$((missing + 1))
    fi
  done < <(git --git-dir="$gitdir" ls-tree -r -z "$commit")
  [ -z "$tmp" ] || rm -rf "$tmp"
  echo "$repo@$commit -> $dest ($(find "$dest" -type f | wc -l) files, $missing missing)"
}
