#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make hot-text: regenerates cmake/hookd-hot-text.ld, the list of code the static hookd runs in
# start-up, idle polls and actions (see bench/hot_text.py for why it matters to idle RSS).
# Profile: the agent benchmark and `make demo`'s flow (S3 script, heartbeats, hookd cp), each
# with the unordered static hookd under callgrind, which records every function that ran.
set -euo pipefail
build=${1:?usage: hot-text.sh BUILD_DIR}
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)
prof=$build/hot-profile
if ! command -v valgrind > /dev/null; then
  [ "$(id -u)" = 0 ] || { echo "hot-text: valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
  apt-get install -y -qq --no-install-recommends valgrind > /dev/null
fi

cmake -S "$top" -B "$prof" -DCMAKE_BUILD_TYPE=MinSizeRel -DHOOKD_STATIC=ON -DHOOKD_HOT_TEXT=OFF \
  -DHOOKD_LINK_MAP=ON -DHOOKD_BUILD_TESTS=OFF > /dev/null
cmake --build "$prof" -j "$(nproc)" --target hookd > "$prof/build.log" 2>&1 || { cat "$prof/build.log" >&2; exit 1; }
# The bench's own build directory, configured as `make bench` does.
cmake -S "$top" -B "$build/bench" -DCMAKE_BUILD_TYPE=MinSizeRel -DHOOKD_STATIC=ON -DHOOKD_BUILD_BENCH=ON \
  -DHOOKD_BUILD_TESTS=OFF > /dev/null
cmake --build "$build/bench" -j "$(nproc)" --target hookd_bench_agent hookd-emulator > /dev/null

run=$prof/run
rm -rf "$run" && mkdir -p "$run/bin"
cat > "$run/bin/hookd" <<WRAP
#!/bin/sh
exec valgrind -q --tool=callgrind --demangle=no --callgrind-out-file=$run/callgrind.%p $prof/hookd "\$@"
WRAP
chmod +x "$run/bin/hookd"
ln -s "$build/bench/hookd-emulator" "$run/bin/hookd-emulator"
# Ten seconds of the idle part: its polls are profiled, its minute of idle is not needed.
HOOKD_BENCH_BINARY=$run/bin/hookd HOOKD_BENCH_IDLE_SECONDS=10 "$build/bench/hookd_bench_agent" > "$run/bench.out" 2>&1
bash "$top/test/demo/run-demo.sh" "$run/bin" > "$run/demo.out" 2>&1 || { cat "$run/demo.out" >&2; exit 1; }

grep -h "^c\?fn=([0-9]*) " "$run"/callgrind.* | sed 's/^c\?fn=([0-9]*) //' | sort -u > "$run/functions.txt"
nm "$prof/hookd" > "$run/nm.txt"
python3 "$top/bench/hot_text.py" "$prof/hookd.map" "$run/nm.txt" "$run/functions.txt" "$top/cmake/hookd-hot-text.ld"
