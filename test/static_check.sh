#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Checks that a hookd binary is a static executable that needs nothing from the filesystem to
# start: `file` must call it statically linked, and `--version` must run inside an empty chroot.
set -euo pipefail
. "$(dirname "$0")/arch.sh"
bin=${1:?usage: static_check.sh PATH/TO/hookd}
expected_version=${2:-}

desc=$(file -b "$bin")
case "$desc" in
  *"statically linked"*|*"static-pie linked"*) ;;
  *) echo "static_check: $bin is not a static executable: $desc" >&2; exit 1 ;;
esac
if ldd "$bin" >/dev/null 2>&1 && ! ldd "$bin" 2>&1 | grep -q "not a dynamic executable"; then
  echo "static_check: ldd lists dynamic dependencies of $bin" >&2; exit 1
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
cp "$bin" "$root/hookd"
# Another machine's binary runs under its (static) qemu, copied into the root beside it.
qemu=$(qemu_for "$bin")
[ -z "$qemu" ] || cp "$qemu" "$root/qemu"
out=$(chroot "$root" ${qemu:+/qemu} /hookd --version)
echo "static_check: in an empty chroot: $out"
if [ -n "$expected_version" ] && [ "${out%% (*}" != "hookd $expected_version" ]; then
  echo "static_check: expected 'hookd $expected_version (...)', got '$out'" >&2; exit 1
fi
echo "static_check: $bin is a static $(elf_machine "$bin") executable ($(stat -c %s "$bin") bytes)"
