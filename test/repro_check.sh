#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The release is reproducible: the same commit, cloned into another directory and built again later,
# gives byte-identical binaries and archives for both architectures.
set -euo pipefail
build=${1:?usage: repro_check.sh BUILD_DIR (holding static/, static-arm64/ and dist/ of make dist)}
build=$(cd "$build" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
fail() { echo "repro_check: $*" >&2; exit 1; }
git -C "$top" diff --quiet HEAD || fail "the working tree has changes; commit them, then run make dist and this again"
work=$(mktemp -d /tmp/hookd-repro.XXXXXX)
trap 'rm -rf "$work"' EXIT
git clone -q "$top" "$work/src"
(cd "$work/src" && make dist BUILD="$work/build") > "$work/log" 2>&1 || { tail -40 "$work/log" >&2; fail "the second make dist failed"; }
differ=0
for f in static/hookd static-arm64/hookd $(cd "$build" && ls dist/*); do
  if ! cmp -s "$build/$f" "$work/build/$f"; then
    echo "repro_check: $f differs between $build and a second build in $work/build" >&2
    differ=1
  fi
done
[ "$differ" = 0 ] || fail "the release is not reproducible"
echo "repro_check: a second build of $(git -C "$top" rev-parse --short=12 HEAD) in another directory gave identical bytes:"
sed 's/^/  /' "$build/dist/SHA256SUMS"
