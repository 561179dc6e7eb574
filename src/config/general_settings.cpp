// SPDX-License-Identifier: Apache-2.0
// The general settings: where actions come from, what runs, how it is completed, where state goes.
#include "table.hpp"

#include <algorithm>

namespace hookd::config {

const std::vector<setting>& general_settings() {
  static const std::vector<setting> t{
      {"--queue-url", "HOOKD_QUEUE_URL", "URL", "the SQS queue the lifecycle hook notifies (required with --trigger queue)",
       [](settings& s, const std::string& v) -> std::optional<std::string> {
         if (v.rfind("https://", 0) != 0 && v.rfind("http://", 0) != 0) return "an https:// queue URL";
         s.queue_url = v;
         return std::nullopt;
       }},
      {"--region", "AWS_REGION", "REGION", "AWS region (also AWS_DEFAULT_REGION; default: from instance metadata)",
       [](settings& s, const std::string& v) -> std::optional<std::string> {
         s.region = v;
         return std::nullopt;
       }},
      {"--instance-id", "HOOKD_INSTANCE_ID", "ID", "this instance's id (default: from instance metadata)",
       [](settings& s, const std::string& v) -> std::optional<std::string> {
         if (v.rfind("i-", 0) != 0) return "an instance id such as i-0123456789abcdef0";
         s.instance_id = v;
         return std::nullopt;
       }},
      {"--group", "HOOKD_GROUP", "NAME", "Auto Scaling group (default: DescribeAutoScalingInstances)",
       [](settings& s, const std::string& v) -> std::optional<std::string> {
         s.group = v;
         return std::nullopt;
       }},
      {"--hook", "HOOKD_HOOK", "NAME[,NAME]", "only these hooks are ours (default: every hook of the group)",
       [](settings& s, const std::string& v) -> std::optional<std::string> {
         s.hooks.clear();
         std::size_t pos = 0;
         while (pos <= v.size()) {
           auto comma = std::min(v.find(',', pos), v.size());
           if (comma > pos) s.hooks.insert(v.substr(pos, comma - pos));
           pos = comma + 1;
         }
         return std::nullopt;
       }},
      {"--on-terminate", "HOOKD_ON_TERMINATE", "SCRIPT", "script for terminating instances: s3://bucket/key or /path",
       [](settings& s, const std::string& v) { return set_script(s.on_terminate, v); }},
      {"--on-launch", "HOOKD_ON_LAUNCH", "SCRIPT", "script for launching instances: s3://bucket/key or /path",
       [](settings& s, const std::string& v) { return set_script(s.on_launch, v); }},
      {"--script-timeout", "HOOKD_SCRIPT_TIMEOUT", "DURATION", "time limit of the script (default 1h)",
       [](settings& s, const std::string& v) { return set_duration(s.script_timeout, v); }},
      {"--heartbeat-interval", "HOOKD_HEARTBEAT_INTERVAL", "DURATION",
       "heartbeat period (default: a third of the hook's HeartbeatTimeout)",
       [](settings& s, const std::string& v) -> std::optional<std::string> {
         std::chrono::milliseconds d{};
         if (auto e = set_duration(d, v)) return e;
         if (d.count() <= 0) return "a positive duration";
         s.heartbeat_interval = d;
         return std::nullopt;
       }},
      {"--on-success", "HOOKD_ON_SUCCESS", "RESULT", "result sent when the script succeeds (CONTINUE)",
       [](settings& s, const std::string& v) { return set_result(s.on_success, v); }},
      {"--on-failure", "HOOKD_ON_FAILURE", "RESULT", "result sent when the script fails (ABANDON)",
       [](settings& s, const std::string& v) { return set_result(s.on_failure, v); }},
      {"--expected-bucket-owner", "HOOKD_EXPECTED_BUCKET_OWNER", "ACCOUNT", "refuse a script bucket owned by another account",
       [](settings& s, const std::string& v) -> std::optional<std::string> {
         if (v.size() != 12 || v.find_first_not_of("0123456789") != std::string::npos) return "a 12-digit AWS account id";
         s.expected_bucket_owner = v;
         return std::nullopt;
       }},
      {"--script-sha256", "HOOKD_SCRIPT_SHA256", "HEX", "refuse a script whose SHA-256 differs",
       [](settings& s, const std::string& v) -> std::optional<std::string> {
         if (v.size() != 64 || v.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) return "64 hex digits";
         s.script_sha256 = v;
         for (auto& c : s.script_sha256) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
         return std::nullopt;
       }},
      {"--run-as", "HOOKD_RUN_AS", "USER[:GROUP]", "run the script as this user",
       [](settings& s, const std::string& v) -> std::optional<std::string> {
         s.run_as = v;
         return std::nullopt;
       }},
      {"--run-as-aws-keys", "HOOKD_RUN_AS_AWS_KEYS", "", "also pass hookd's AWS_ACCESS_KEY_ID/SECRET/SESSION_TOKEN to a --run-as script",
       [](settings& s, const std::string& v) { return set_bool(s.run_as_aws_keys, v); }},
      {"--state-dir", "HOOKD_STATE_DIR", "DIR", "journal, lock and downloaded scripts (/var/lib/hookd)",
       [](settings& s, const std::string& v) -> std::optional<std::string> {
         if (v.empty() || v[0] != '/') return "an absolute path";
         s.state_dir = v;
         return std::nullopt;
       }},
      {"--log-file", "HOOKD_LOG_FILE", "PATH", "append the log here (default: stderr); SIGHUP reopens it",
       [](settings& s, const std::string& v) -> std::optional<std::string> {
         s.log_file = v;
         return std::nullopt;
       }},
      {"--log-format", "HOOKD_LOG_FORMAT", "FORMAT", "text or json",
       [](settings& s, const std::string& v) -> std::optional<std::string> {
         if (v == "text") s.format = log_format::text;
         else if (v == "json") s.format = log_format::json;
         else return "text or json";
         return std::nullopt;
       }},
      {"--log-level", "HOOKD_LOG_LEVEL", "LEVEL", "debug, info, warn or error",
       [](settings& s, const std::string& v) -> std::optional<std::string> {
         if (v == "debug") s.level = log_level::debug;
         else if (v == "info") s.level = log_level::info;
         else if (v == "warn") s.level = log_level::warn;
         else if (v == "error") s.level = log_level::error;
         else return "debug, info, warn or error";
         return std::nullopt;
       }},
      {"--once", "HOOKD_ONCE", "", "handle one action of this instance, then exit",
       [](settings& s, const std::string& v) { return set_bool(s.once, v); }},
      {"--trigger", "HOOKD_TRIGGER", "SOURCES",
       "where actions come from: queue, imds (instance metadata, no queue needed) or queue,imds (queue)",
       [](settings& s, const std::string& v) { return set_triggers(s, v); }},
      {"--imds-poll", "HOOKD_IMDS_POLL", "DURATION", "with --trigger imds: how often instance metadata is read (5s)",
       [](settings& s, const std::string& v) -> std::optional<std::string> {
         if (auto e = set_duration(s.imds_poll, v)) return e;
         if (s.imds_poll < std::chrono::milliseconds(100)) return "a duration of at least 100ms";
         return std::nullopt;
       }},
      {"--on-spot-interruption", "HOOKD_ON_SPOT_INTERRUPTION", "ACTION",
       "a Spot interruption notice: run the terminate script at once, or only log it (script)",
       [](settings& s, const std::string& v) { return set_notice(s.on_spot_interruption, v); }},
      {"--on-rebalance", "HOOKD_ON_REBALANCE", "ACTION", "a rebalance recommendation: log, or run the terminate script (log)",
       [](settings& s, const std::string& v) { return set_notice(s.on_rebalance, v); }},
      {"--on-maintenance", "HOOKD_ON_MAINTENANCE", "ACTION",
       "scheduled stop, retirement or reboot: log, or run the terminate script --maintenance-lead before it (log)",
       [](settings& s, const std::string& v) { return set_notice(s.on_maintenance, v); }},
      {"--maintenance-lead", "HOOKD_MAINTENANCE_LEAD", "DURATION", "with --on-maintenance script: how long before NotBefore (10m)",
       [](settings& s, const std::string& v) { return set_duration(s.maintenance_lead, v); }},
      {"--metrics-file", "HOOKD_METRICS_FILE", "PATH",
       "write Prometheus metrics here when they change (a node_exporter textfile, e.g. .../textfile_collector/hookd.prom)",
       [](settings& s, const std::string& v) -> std::optional<std::string> {
         if (v.empty() || v[0] != '/' || v.back() == '/') return "an absolute file path";
         s.metrics_file = v;
         return std::nullopt;
       }},
      {"--shutdown-grace", "HOOKD_SHUTDOWN_GRACE", "DURATION", "on SIGTERM, how long a running action may go on (5m)",
       [](settings& s, const std::string& v) { return set_duration(s.shutdown_grace, v); }},
      {"--kill-grace", "HOOKD_KILL_GRACE", "DURATION", "between SIGTERM and SIGKILL for a script past its limit (10s)",
       [](settings& s, const std::string& v) { return set_duration(s.kill_grace, v); }},
      {"--wait-time", "HOOKD_WAIT_TIME", "SECONDS", "SQS long-poll wait, 1-20 (20)",
       [](settings& s, const std::string& v) { return set_int(s.wait_seconds, v, 1, 20, "a number of seconds from 1 to 20"); }},
      {"--error-backoff", "HOOKD_ERROR_BACKOFF", "DURATION", "pause after a failed poll or start-up step (5s)",
       [](settings& s, const std::string& v) { return set_duration(s.error_backoff, v); }},
      {"--startup-jitter", "HOOKD_STARTUP_JITTER", "DURATION", "random wait, up to this, before the first Auto Scaling call (0; the boot-time cron line and unit use 5s)",
       [](settings& s, const std::string& v) { return set_duration(s.startup_jitter, v); }},
      {"--yield-pause", "HOOKD_YIELD_PAUSE", "DURATION",
       "pause after a receive of only other instances' messages, so the fleet gets them (1s)",
       [](settings& s, const std::string& v) { return set_duration(s.yield_pause, v); }},
      {"--confirm-window", "HOOKD_CONFIRM_WINDOW", "DURATION",
       "how long Auto Scaling may take to know a new action before its message counts as forged (10s)",
       [](settings& s, const std::string& v) { return set_duration(s.confirm_window, v); }},
      {"--transition", "HOOKD_SIMULATE_TRANSITION", "WHICH", "simulate: terminate or launch (terminate)",
       [](settings& s, const std::string& v) -> std::optional<std::string> {
         if (v != "terminate" && v != "launch") return "terminate or launch";
         s.simulate_transition = v;
         return std::nullopt;
       }},
      {"--script", "HOOKD_SIMULATE_SCRIPT", "SCRIPT", "simulate: the script to run (default: --on-terminate/--on-launch)",
       [](settings& s, const std::string& v) { return set_script(s.simulate_script, v); }},
      {"--timeout", "HOOKD_SIMULATE_TIMEOUT", "DURATION", "simulate: same as --script-timeout",
       [](settings& s, const std::string& v) { return set_duration(s.script_timeout, v); }},
      {"--create-hook", "HOOKD_CREATE_HOOK", "", "create or update the lifecycle hook at start-up",
       [](settings& s, const std::string& v) { return set_bool(s.create_hook, v); }},
      {"--notification-target-arn", "HOOKD_NOTIFICATION_TARGET_ARN", "ARN", "with --create-hook: the queue's ARN",
       [](settings& s, const std::string& v) -> std::optional<std::string> {
         if (v.rfind("arn:", 0) != 0) return "an ARN";
         s.notification_target_arn = v;
         return std::nullopt;
       }},
      {"--role-arn", "HOOKD_ROLE_ARN", "ARN", "with --create-hook: the role Auto Scaling publishes with",
       [](settings& s, const std::string& v) -> std::optional<std::string> {
         if (v.rfind("arn:", 0) != 0) return "an ARN";
         s.role_arn = v;
         return std::nullopt;
       }},
      {"--heartbeat-timeout", "HOOKD_HEARTBEAT_TIMEOUT", "SECONDS", "with --create-hook: 30-7200 (300)",
       [](settings& s, const std::string& v) { return set_int(s.heartbeat_timeout, v, 30, 7200, "seconds from 30 to 7200"); }},
      {"--default-result", "HOOKD_DEFAULT_RESULT", "RESULT", "with --create-hook: CONTINUE or ABANDON (ABANDON)",
       [](settings& s, const std::string& v) { return set_result(s.default_result, v); }},
  };
  return t;
}

} // namespace hookd::config
