#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Instance bootstrap (run by user data): install hookd, write its config as export lines, and
# start it at boot and every 5 minutes through cron. Usage:
#   bootstrap.sh QUEUE_URL SCRIPT_S3_URI [HOOKD_DOWNLOAD_URL] [DRAINS]
# DRAINS is HOOKD_DRAIN (elbv2, ecs or elbv2,ecs; empty: none), the template's Drains parameter:
# the drains run before the terminate script, and the role has their permissions only then.
# HOOKD_DOWNLOAD_URL names a release tarball; "{arch}" in it becomes this machine's architecture
# (x86_64, or aarch64 on Graviton), so one launch template serves both. When the release's
# SHA256SUMS sits beside the tarball, the download must match it.
set -eu
queue_url=${1:?queue url}
script=${2:?s3://bucket/key of the on-terminate script}
url=${3:-}
drains=${4:-}
case "$drains" in
  ""|elbv2|ecs|elbv2,ecs|ecs,elbv2) ;;
  *) echo "bootstrap: DRAINS must be elbv2, ecs or elbv2,ecs, not '$drains'" >&2; exit 1 ;;
esac
if [ -n "$url" ]; then
  arch=$(uname -m)
  case "$arch" in
    x86_64|aarch64) ;;
    *) echo "bootstrap: hookd is released for x86_64 and aarch64, not $arch" >&2; exit 1 ;;
  esac
  url=$(printf '%s' "$url" | sed "s/{arch}/$arch/g")
  tarball=${url##*/}
  dl=$(mktemp -d)
  curl -sfL "$url" -o "$dl/$tarball"
  if curl -sfL "${url%/*}/SHA256SUMS" -o "$dl/SHA256SUMS"; then
    (cd "$dl" && grep " $tarball\$" SHA256SUMS | sha256sum -c -) || { echo "bootstrap: $tarball does not match SHA256SUMS" >&2; exit 1; }
  fi
  tar -xzf "$dl/$tarball" -C "$dl"
  install -m 0755 "$dl"/hookd-*/hookd /usr/local/bin/hookd
  rm -rf "$dl"
fi
install -d -m 0700 /etc/hookd /var/lib/hookd
cat > /etc/hookd/hookd.conf <<CONF
# Written by bootstrap.sh. hookd reads the same names as environment variables.
export HOOKD_QUEUE_URL='$queue_url'
export HOOKD_ON_TERMINATE='$script'
export HOOKD_STATE_DIR=/var/lib/hookd
# A group with no queue: export HOOKD_TRIGGER=imds (and drop the queue URL); both: queue,imds.
CONF
if [ -n "$drains" ]; then
  echo "export HOOKD_DRAIN='$drains'" >> /etc/hookd/hookd.conf
fi
chmod 0600 /etc/hookd/hookd.conf
cat > /etc/cron.d/hookd <<'CRON'
SHELL=/bin/sh
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
@reboot    root  /usr/local/bin/hookd --log-file /var/log/hookd.log
*/5 * * * * root /usr/local/bin/hookd --log-file /var/log/hookd.log
CRON
# Start now as well: @reboot has already passed for this boot.
nohup /usr/local/bin/hookd --log-file /var/log/hookd.log >/dev/null 2>&1 &
