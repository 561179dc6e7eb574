#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The release is reproducible: the same commit, cloned into another directory and built again,
# gives byte-identical binaries and archives for both architectures.
#   repro_check.sh BUILD_DIR             both steps below, one after the other
#   repro_check.sh build OTHER_DIR       clone this commit into OTHER_DIR/src, make dist in OTHER_DIR/build
#   repro_check.sh compare BUILD_DIR OTHER_DIR
#                                        BUILD_DIR's static/, static-arm64/ and dist/ (of make dist)
#                                        against OTHER_DIR/build's
# CI starts `build` early, at the lowest priority, so that it uses the cores the tests leave idle,
# and runs `compare` once its own make dist is done.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
fail() { echo "repro_check: $*" >&2; exit 1; }

second_build() {
  local other=$1
  git -C "$top" diff --quiet HEAD || fail "the working tree has changes; commit them, then run this again"
  mkdir -p "$other"
  rm -rf "$other/src" "$other/build"
  git clone -q "$top" "$other/src"
  (cd "$other/src" && make dist BUILD="$other/build") > "$other/log" 2>&1 ||
    { tail -40 "$other/log" >&2; fail "the second make dist failed (log: $other/log)"; }
}

compare() {
  local build other differ=0
  build=$(cd "$1" && pwd)
  other=$2
  [ -d "$build/dist" ] || fail "$build/dist is missing: run make dist first"
  for f in static/hookd static-arm64/hookd $(cd "$build" && ls dist/*); do
    if ! cmp -s "$build/$f" "$other/build/$f"; then
      echo "repro_check: $f differs between $build and a second build in $other/build" >&2
      differ=1
    fi
  done
  [ "$differ" = 0 ] || fail "the release is not reproducible"
  echo "repro_check: a second build of $(git -C "$top" rev-parse --short=12 HEAD) in another directory gave identical bytes:"
  sed 's/^/  /' "$build/dist/SHA256SUMS"
}

case ${1:?usage: repro_check.sh BUILD_DIR | build OTHER_DIR | compare BUILD_DIR OTHER_DIR} in
  build) second_build "${2:?usage: repro_check.sh build OTHER_DIR}" ;;
  compare) compare "${2:?usage: repro_check.sh compare BUILD_DIR OTHER_DIR}" "${3:?usage: repro_check.sh compare BUILD_DIR OTHER_DIR}" ;;
  *)
    work=$(mktemp -d /tmp/hookd-repro.XXXXXX)
    trap 'rm -rf "$work"' EXIT
    second_build "$work"
    compare "$1" "$work"
    ;;
esac
