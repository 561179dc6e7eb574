#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make demo, second part: a launch held until the instance is ready to serve (issue 26), against the
# local AWS emulator, with nothing outside this machine.
#   1. hookd-emulator starts with a queue, a group and a launching lifecycle hook.
#   2. A stand-in web server starts on 127.0.0.1: its /health answers 503 for its first 4 s
#      ("warming up"), then 200.
#   3. i-0web is launched; hookd --once runs its launch script, then waits in the readiness gate
#      (--ready-http, every 1 s, 2 passes in a row), heartbeating the action, and completes it with
#      CONTINUE only after the health check has passed twice.
set -euo pipefail
build=${1:?usage: ready-demo.sh BUILD_DIR}
hookd=$(cd "$build" && pwd)/hookd
emulator=$(cd "$build" && pwd)/hookd-emulator
work=$(mktemp -d /tmp/hookd-ready-demo.XXXXXX)
emu_pid= web_pid=
cleanup() {
  [ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null
  [ -n "$web_pid" ] && kill "$web_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

. "$(dirname "$0")/lib.sh"

say "starting the local AWS emulator (SQS, Auto Scaling) over TLS"
start_emulator
ctl queue '{"name":"asg-lifecycle"}'
ctl group '{"name":"web-asg","instances":["i-0web"]}'
ctl hook '{"group":"web-asg","name":"warm-up","queue":"asg-lifecycle","transition":"autoscaling:EC2_INSTANCE_LAUNCHING","heartbeat_timeout":30,"default_result":"ABANDON"}'

say "a stand-in web server on 127.0.0.1: /health answers 503 for 4 s, then 200"
python3 - "$work/web.port" <<'PY' &
import http.server, sys, time
started = time.monotonic()
class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        ready = time.monotonic() - started >= 4
        body = b'{"status":"UP"}' if ready else b'{"status":"warming up"}'
        self.send_response(200 if ready else 503)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, fmt, *args):
        print("web: GET %s -> %s" % (self.path, args[1]), flush=True)
server = http.server.HTTPServer(("127.0.0.1", 0), Health)
open(sys.argv[1], "w").write(str(server.server_port))
server.serve_forever()
PY
web_pid=$!
for _ in $(seq 100); do [ -s "$work/web.port" ] && break; sleep 0.05; done
port=$(cat "$work/web.port")
cat > "$work/on-launch.sh" <<'SCRIPT'
#!/bin/sh
echo "on-launch: $1 for $2: starting the app (it needs a few seconds to warm up)"
SCRIPT
chmod +x "$work/on-launch.sh"

say "launching i-0web; hookd --once holds the launch until http://127.0.0.1:$port/health answers 2xx twice"
ctl launch '{"group":"web-asg","instance":"i-0web"}'
env AWS_ENDPOINT_URL="$url" AWS_ACCESS_KEY_ID=AKIDHOOKDDEMO AWS_SECRET_ACCESS_KEY=hookd-demo-secret \
    AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true HOOKD_CONFIG=/dev/null \
    "$hookd" --once --queue-url "$url/123456789012/asg-lifecycle" --instance-id i-0web \
    --on-launch "$work/on-launch.sh" --ready-http "http://127.0.0.1:$port/health" --ready-http-body '"UP"' \
    --ready-interval 1s --ready-timeout 60s --heartbeat-interval 1s --wait-time 2 \
    --state-dir "$work/state" --log-level info 2>&1 | tee "$work/hookd.log"

say "what happened (as the emulator recorded it)"
"$emulator" ctl "$url" summary
echo
if grep -q ' info ready ' "$work/hookd.log" && grep -q 'action-done .*result=CONTINUE' "$work/hookd.log"; then
  echo "demo: OK: i-0web's launch was completed with CONTINUE only once /health had answered 200 twice in a row."
else
  echo "demo: FAILED (the launch): see the log above" >&2
  exit 1
fi
