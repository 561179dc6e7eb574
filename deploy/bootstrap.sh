#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Instance bootstrap (run by user data): install hookd, write its config as export lines, and
# start it at boot and every 5 minutes through cron. Usage:
#   bootstrap.sh QUEUE_URL SCRIPT_S3_URI [HOOKD_DOWNLOAD_URL]
set -eu
queue_url=${1:?queue url}
script=${2:?s3://bucket/key of the on-terminate script}
url=${3:-}
if [ -n "$url" ]; then
  curl -sfL "$url" -o /tmp/hookd.tar.gz
  tar -xzf /tmp/hookd.tar.gz -C /tmp
  install -m 0755 /tmp/hookd-*/hookd /usr/local/bin/hookd
fi
install -d -m 0700 /etc/hookd /var/lib/hookd
cat > /etc/hookd/hookd.conf <<CONF
# Written by bootstrap.sh. hookd reads the same names as environment variables.
export HOOKD_QUEUE_URL='$queue_url'
export HOOKD_ON_TERMINATE='$script'
export HOOKD_STATE_DIR=/var/lib/hookd
# A group with no queue: export HOOKD_TRIGGER=imds (and drop the queue URL); both: queue,imds.
CONF
chmod 0600 /etc/hookd/hookd.conf
cat > /etc/cron.d/hookd <<'CRON'
SHELL=/bin/sh
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
@reboot    root  /usr/local/bin/hookd --log-file /var/log/hookd.log
*/5 * * * * root /usr/local/bin/hookd --log-file /var/log/hookd.log
CRON
# Start now as well: @reboot has already passed for this boot.
nohup /usr/local/bin/hookd --log-file /var/log/hookd.log >/dev/null 2>&1 &
