#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make demo: hookd handling a real lifecycle flow against the local AWS emulator, over TLS, with
# no AWS account and nothing outside this machine.
#   1. hookd-emulator starts with a throw-away CA, a queue, a group of three instances, a
#      terminating lifecycle hook and a bucket holding the operator's on-terminate script.
#   2. Two other instances are scaled in first, so the queue holds their notifications too.
#   3. The demo instance (i-0demo) is scaled in.
#   4. hookd runs (--once, --drain elbv2,ecs): it steps over the other instances' messages,
#      drains i-0demo first (deregisters it from the two of three target groups that hold it, one
#      by its private IP from instance metadata, and waits out their draining; sets its ECS container instance DRAINING and waits for its three
#      tasks to stop), then downloads the script from S3, runs it while heartbeating, the script
#      ships a log file to S3 with `hookd cp`, and hookd completes the action and deletes only its
#      own message.
#   5. A second group needs no queue at all: hookd on i-0imds reads the target lifecycle state
#      from instance metadata (--trigger imds). It reads "Terminated" while the load balancer is
#      still draining, starts the script at once, and completes the action by instance id as
#      soon as Auto Scaling has it.
set -euo pipefail
build=${1:?usage: run-demo.sh BUILD_DIR}
hookd=$(cd "$build" && pwd)/hookd
emulator=$(cd "$build" && pwd)/hookd-emulator
work=$(mktemp -d /tmp/hookd-demo.XXXXXX)
emu_pid=
cleanup() { [ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

. "$(dirname "$0")/lib.sh"

say "starting the local AWS emulator (SQS, Auto Scaling, S3, IMDSv2, ELBv2, ECS) over TLS"
start_emulator
echo "emulator: $url   (CA bundle: $ca)"

say "setting up: queue, group, lifecycle hook, the on-terminate script in S3"
ctl queue '{"name":"asg-lifecycle"}'
ctl group '{"name":"web-asg","instances":["i-0demo","i-0aaa","i-0bbb"]}'
ctl hook '{"group":"web-asg","name":"copy-logs","queue":"asg-lifecycle","heartbeat_timeout":30,"default_result":"ABANDON"}'
ctl object '{"bucket":"demo-logs"}'
cat > "$work/on-terminate.sh" <<SCRIPT
#!/bin/sh
# The operator's script: copy this box's log off before it disappears.
set -e
echo "on-terminate: \$1 for \$2 (group \$HOOKD_GROUP, hook \$HOOKD_HOOK)"
if [ -n "\${HOOKD_DRAIN_RESULT:-}" ]; then echo "on-terminate: drained before me: \$HOOKD_DRAIN_RESULT"; fi
printf 'Nov 27 10:00:01 web-1 app[42]: served 1234 requests\nNov 27 10:05:07 web-1 app[42]: shutting down\n' > /tmp/hookd-demo-messages.\$\$
echo "on-terminate: draining connections (takes a few seconds: hookd sends heartbeats meanwhile)"
sleep 3
"$hookd" cp /tmp/hookd-demo-messages.\$\$ "s3://demo-logs/\$2/messages"
rm -f /tmp/hookd-demo-messages.\$\$
echo "on-terminate: done"
SCRIPT
body=$(sed 's/\\/\\\\/g; s/"/\\"/g' "$work/on-terminate.sh" | awk '{printf "%s\\n", $0}')
ctl object "{\"bucket\":\"demo-scripts\",\"key\":\"on-terminate.sh\",\"body\":\"$body\"}"

say "setting up the drains: three target groups (i-0demo is in two, one by its IP), i-0demo's ECS container instance with three tasks"
# Deregistration delay 5 s, of which the targets read `draining` for 1-1.5 s; tasks stop within 1.8 s.
ctl target-group '{"name":"web-tg","deregistration_delay":5,"draining_ms":1500,"targets":[{"id":"i-0demo","port":80},{"id":"i-0aaa","port":80}]}'
# admin-tg registers IP targets: hookd finds i-0demo's private IP (10.0.0.5) in its instance metadata.
ctl target-group '{"name":"admin-tg","target_type":"ip","port":8080,"deregistration_delay":5,"draining_ms":1000,"targets":[{"id":"10.0.0.5"},{"id":"10.0.0.7"}]}'
ctl target-group '{"name":"batch-tg","targets":[{"id":"i-0bbb","port":80}]}'
ctl container-instance '{"cluster":"web","ec2_instance_id":"i-0demo","tasks":[{"stops_after_ms":1000},{"stops_after_ms":1800},{"stops_after_ms":1800}]}'
ctl container-instance '{"cluster":"web","ec2_instance_id":"i-0aaa","tasks":[{}]}'
ctl imds-item '{"instance_id":"i-0demo","path":"network/interfaces/macs/","body":"0e:00:00:00:00:05/\n"}'
ctl imds-item '{"instance_id":"i-0demo","path":"network/interfaces/macs/0e:00:00:00:00:05/local-ipv4s","body":"10.0.0.5\n"}'
demo_imds=$("$emulator" ctl "$url" imds-listener '{"instance_id":"i-0demo"}' | sed 's/[^0-9]//g')

say "scaling in two other instances first, then this one (i-0demo)"
ctl terminate '{"group":"web-asg","instance":"i-0aaa"}'
ctl terminate '{"group":"web-asg","instance":"i-0bbb"}'
ctl terminate '{"group":"web-asg","instance":"i-0demo"}'

say "running hookd --once --drain elbv2,ecs as instance i-0demo"
env AWS_ENDPOINT_URL="$url" AWS_ACCESS_KEY_ID=AKIDHOOKDDEMO AWS_SECRET_ACCESS_KEY=hookd-demo-secret \
    AWS_REGION=us-east-1 AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$demo_imds" HOOKD_CONFIG=/dev/null \
    "$hookd" --once --queue-url "$url/123456789012/asg-lifecycle" --instance-id i-0demo \
    --on-terminate s3://demo-scripts/on-terminate.sh --heartbeat-interval 1s --wait-time 2 \
    --drain elbv2,ecs --ecs-cluster web --drain-timeout 20s \
    --state-dir "$work/state" --log-level info 2>&1 | tee "$work/hookd.log"

say "what happened (as the emulator recorded it)"
"$emulator" ctl "$url" summary
echo
if grep -q 'action-done .*result=CONTINUE' "$work/hookd.log" && grep -q 'completed=yes message_deleted=yes' "$work/hookd.log" &&
   grep -q 'drain-end kind=elbv2 status=ok count=2' "$work/hookd.log" && grep -q 'drain-end kind=ecs status=ok count=3' "$work/hookd.log" &&
   grep -q 'drained before me: elbv2=ok:2 ecs=ok:3' "$work/hookd.log"; then
  echo "demo: OK: i-0demo was drained (2 registrations, 3 ECS tasks) before its script ran; its action was"
  echo "      completed with CONTINUE, its log is in s3://demo-logs/i-0demo/messages, and the other"
  echo "      instances' notifications are still in the queue for their owners."
else
  echo "demo: FAILED: hookd did not complete the action; see the log above" >&2
  exit 1
fi

say "no queue: group batch-asg, hookd on i-0imds reads instance metadata (--trigger imds)"
ctl group '{"name":"batch-asg","instances":["i-0imds"]}'
ctl hook '{"group":"batch-asg","name":"drain","heartbeat_timeout":30,"default_result":"ABANDON"}'
ctl activation-delay '{"ms":1500}' # the load balancer drains first: the action is not active yet
imds_port=$("$emulator" ctl "$url" imds-listener '{"instance_id":"i-0imds"}' | sed 's/[^0-9]//g')
echo "instance metadata of i-0imds: http://127.0.0.1:$imds_port"
env AWS_ENDPOINT_URL="$url" AWS_ACCESS_KEY_ID=AKIDHOOKDDEMO AWS_SECRET_ACCESS_KEY=hookd-demo-secret \
    AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$imds_port" HOOKD_CONFIG=/dev/null \
    "$hookd" --once --trigger imds --imds-poll 500ms --on-terminate s3://demo-scripts/on-terminate.sh \
    --heartbeat-interval 1s --state-dir "$work/state-imds" --log-level info > "$work/hookd-imds.log" 2>&1 &
hookd_pid=$!
for _ in $(seq 100); do grep -q imds-polling "$work/hookd-imds.log" && break; sleep 0.05; done
say "scaling in i-0imds (no notification is sent anywhere)"
ctl terminate '{"group":"batch-asg","instance":"i-0imds"}'
wait "$hookd_pid" || true
cat "$work/hookd-imds.log"
echo
if grep -q 'action-done .*result=CONTINUE .*completed=yes' "$work/hookd-imds.log" &&
   [ "$("$emulator" ctl "$url" state | grep -o '"i-0imds":"[A-Za-z:]*"')" = '"i-0imds":"Terminated"' ]; then
  echo "demo: OK: i-0imds's action was completed by instance id, with no queue, once Auto Scaling had it."
else
  echo "demo: FAILED: the IMDS-triggered action was not completed; see the log above" >&2
  exit 1
fi
