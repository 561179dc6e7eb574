#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs every fuzzer in BUILD_DIR for SECONDS each, from the committed seeds (test/fuzz/corpus/NAME)
# plus what it finds in a scratch corpus; the committed seeds are never written to. A crash stops
# the run with the input saved as BUILD_DIR/crash-*: turn it into a unit test, then fix it.
set -euo pipefail
build=${1:?usage: run.sh BUILD_DIR SECONDS}
seconds=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)
status=0
for bin in "$build"/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  scratch="$build/corpus/$name"
  mkdir -p "$scratch"
  echo "::: $name for ${seconds}s"
  if ! "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$build/crash-$name-" "$scratch" "$here/corpus/$name" > "$build/$name.log" 2>&1; then
    echo "$name: FAILED (input in $build/crash-$name-*); last lines:"
    tail -n 30 "$build/$name.log"
    status=1
  else
    grep -E '^stat::number_of_executed_units|^stat::new_units_added' "$build/$name.log" | tr '\n' ' '
    echo
  fi
done
exit $status
