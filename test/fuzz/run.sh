#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs every fuzzer in BUILD_DIR for SECONDS each, from the committed seeds (test/fuzz/corpus/NAME)
# plus what it finds in a scratch corpus; the committed seeds are never written to. A crash stops
# the run with the input saved as BUILD_DIR/crash-*: turn it into a unit test, then fix it.
# Fuzzers run JOBS at a time (default: one per core), each on one core, so every one still gets
# its SECONDS of its own.
set -euo pipefail
build=${1:?usage: run.sh BUILD_DIR SECONDS}
seconds=${2:-60}
jobs=${JOBS:-$(nproc)}
here=$(cd "$(dirname "$0")" && pwd)

# One fuzzer; its report goes to BUILD_DIR/NAME.result, printed once it is over.
run_one() {
  local bin=$1 name scratch
  name=$(basename "$bin")
  rm -f "$build/$name.result"
  scratch="$build/corpus/$name"
  mkdir -p "$scratch"
  if ! "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$build/crash-$name-" "$scratch" "$here/corpus/$name" > "$build/$name.log" 2>&1; then
    { echo "$name: FAILED (input in $build/crash-$name-*); last lines:"; tail -n 30 "$build/$name.log"; } > "$build/$name.result"
    return 1
  fi
  { echo -n "$name (${seconds}s): "; grep -E '^stat::number_of_executed_units|^stat::new_units_added' "$build/$name.log" | tr '\n' ' '; echo; } \
    > "$build/$name.result"
}

status=0
names=()
for bin in "$build"/fuzz_*; do
  [ -x "$bin" ] || continue
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  echo "::: $(basename "$bin") for ${seconds}s"
  run_one "$bin" &
  names+=("$(basename "$bin")")
done
wait || true
# Each fuzzer's verdict is in its result file (a job reaped by `wait -n` has no status left to ask).
for name in "${names[@]}"; do
  if [ -f "$build/$name.result" ]; then cat "$build/$name.result"; else echo "$name: no result"; status=1; fi
  if grep -q ': FAILED' "$build/$name.result" 2>/dev/null; then status=1; fi
done
exit $status
