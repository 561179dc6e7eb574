#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Example on-terminate script for hookd: copy this instance's system log to S3 before the
# instance goes away. hookd runs it as: on-terminate.example.sh terminate INSTANCE_ID
# Edit LOGS_BUCKET below (hookd gives the script a clean environment, so a variable set
# elsewhere does not reach it). Keep it idempotent: after a crash hookd runs the action again.
set -eu
LOGS_BUCKET=${LOGS_BUCKET:-my-logs-bucket}
transition=${1:?transition}
instance=${2:-${HOOKD_INSTANCE_ID:-}}
if [ -z "$instance" ]; then
  # IMDSv2: a session token first, then the instance id.
  token=$(curl -sf -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' http://169.254.169.254/latest/api/token)
  instance=$(curl -sf -H "X-aws-ec2-metadata-token: $token" http://169.254.169.254/latest/meta-data/instance-id)
fi
stamp=$(date -u +%Y%m%dT%H%M%SZ)
if [ -r /var/log/messages ]; then
  src=/var/log/messages
else
  src=$(mktemp)
  journalctl --no-pager -o short-iso > "$src"
fi
echo "$transition $instance: copying $src to s3://$LOGS_BUCKET/$instance/messages-$stamp"
hookd cp "$src" "s3://$LOGS_BUCKET/$instance/messages-$stamp"
[ "$src" = /var/log/messages ] || rm -f "$src"
