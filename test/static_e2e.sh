#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The static hookd in a minimal root: nothing but the binary, /etc/hosts, /etc/resolv.conf, a CA
# bundle at the Amazon Linux path, /dev/null, and a busybox /bin/sh for the operator's script.
# Against the emulator over TLS under a host name (resolved from /etc/hosts, since a static glibc
# cannot load NSS), it must carry a full lifecycle action to completion.
set -euo pipefail
. "$(dirname "$0")/arch.sh"
bin=${1:?usage: static_e2e.sh STATIC_HOOKD HOOKD_EMULATOR}
emulator=${2:?usage: static_e2e.sh STATIC_HOOKD HOOKD_EMULATOR}
[ "$(id -u)" = 0 ] || { echo "static_e2e: needs root (chroot, mknod)" >&2; exit 1; }
work=$(mktemp -d)
root=$work/root
emu_pid=
cleanup() { [ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

"$emulator" --tls "$work/pki" --tls-name aws.test --key AKIDSTATIC:static-secret > "$work/emulator.out" 2>&1 &
emu_pid=$!
for _ in $(seq 100); do [ -s "$work/emulator.out" ] && break; sleep 0.05; done
read -r url ca < "$work/emulator.out"
port=${url##*:}
export AWS_CA_BUNDLE=$ca
ctl() { "$emulator" ctl "$url" "$@" > /dev/null; }
ctl queue '{"name":"q"}'
ctl group '{"name":"g","instances":["i-static"]}'
ctl hook '{"group":"g","name":"h","queue":"q","heartbeat_timeout":30}'
ctl terminate '{"group":"g","instance":"i-static"}'

mkdir -p "$root"/{etc/pki/tls/certs,dev,tmp,bin,var/lib/hookd}
install -m 0755 "$bin" "$root/hookd"
# An arm64 hookd runs under qemu in the root; the scripts it starts are this machine's busybox.
qemu=$(qemu_for "$bin")
[ -z "$qemu" ] || install -m 0755 "$qemu" "$root/qemu"
install -m 0755 /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
mknod -m 666 "$root/dev/null" c 1 3
echo "127.0.0.1 aws.test" > "$root/etc/hosts"
echo "nameserver 127.0.0.1" > "$root/etc/resolv.conf"
cp "$ca" "$root/etc/pki/tls/certs/ca-bundle.crt"
printf '#!/bin/sh\necho "static-ok $1 $2"\n' > "$root/on-terminate.sh"
chmod 0755 "$root/on-terminate.sh"

env -i AWS_ENDPOINT_URL="https://aws.test:$port" AWS_ACCESS_KEY_ID=AKIDSTATIC AWS_SECRET_ACCESS_KEY=static-secret \
    AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true HOOKD_CONFIG=/dev/null \
    "$(command -v chroot)" "$root" ${qemu:+/qemu} /hookd --once --queue-url "https://aws.test:$port/123456789012/q" --instance-id i-static \
    --on-terminate /on-terminate.sh --state-dir /var/lib/hookd --wait-time 1 > "$work/hookd.log" 2>&1 || true
if grep -q 'line="static-ok terminate i-static"' "$work/hookd.log" &&
   grep -q 'action-done .*result=CONTINUE.*completed=yes message_deleted=yes' "$work/hookd.log"; then
  echo "static_e2e: the static $(elf_machine "$bin") hookd completed a lifecycle action in a minimal root (hosts file, Amazon Linux CA path)"
else
  echo "static_e2e: FAILED; hookd's log:" >&2
  cat "$work/hookd.log" >&2
  exit 1
fi
