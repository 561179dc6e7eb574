# SPDX-License-Identifier: Apache-2.0
# What both demos share (sourced, not run): the banner line, and the emulator started over TLS
# in $work with the demo's key. Needs $emulator and $work; sets emu_pid, url, ca, AWS_CA_BUNDLE.
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

start_emulator() {
  "$emulator" --tls "$work/pki" --key AKIDHOOKDDEMO:hookd-demo-secret > "$work/emulator.out" 2>&1 &
  emu_pid=$!
  for _ in $(seq 100); do [ -s "$work/emulator.out" ] && break; sleep 0.05; done
  read -r url ca < "$work/emulator.out"
  export AWS_CA_BUNDLE=$ca
}

ctl() { "$emulator" ctl "$url" "$@" > /dev/null; }
