// SPDX-License-Identifier: Apache-2.0
#include "hookd/config/config.hpp"

#include "hookd/core/time.hpp"

#include <charconv>
#include <functional>

namespace hookd::config {
namespace {

using setter = std::function<std::optional<std::string>(settings&, const std::string&)>; // error text or nullopt

struct setting {
  std::string flag;  ///< "--queue-url"
  std::string var;   ///< "HOOKD_QUEUE_URL"
  std::string arg;   ///< "URL" (empty: a switch)
  std::string help;
  setter apply;
};

std::optional<std::string> set_duration(std::chrono::milliseconds& out, const std::string& v) {
  auto d = parse_duration(v);
  if (!d) return "a duration such as 90s, 5m, 1h or a number of seconds, at most 8760h (a year)";
  out = *d;
  return std::nullopt;
}

std::optional<std::string> set_result(std::string& out, const std::string& v) {
  if (v != "CONTINUE" && v != "ABANDON") return "CONTINUE or ABANDON";
  out = v;
  return std::nullopt;
}

std::optional<std::string> set_bool(bool& out, const std::string& v) {
  if (v == "1" || v == "true" || v == "yes" || v.empty()) out = true;
  else if (v == "0" || v == "false" || v == "no") out = false;
  else return "true or false";
  return std::nullopt;
}

std::optional<std::string> set_script(std::string& out, const std::string& v) {
  if (v.rfind("s3://", 0) != 0 && (v.empty() || v[0] != '/')) return "an s3://bucket/key URI or an absolute path";
  out = v;
  return std::nullopt;
}

std::optional<std::string> set_notice(notice_action& out, const std::string& v) {
  if (v == "script") out = notice_action::script;
  else if (v == "log") out = notice_action::log;
  else return "script or log";
  return std::nullopt;
}

std::optional<std::string> set_triggers(settings& s, const std::string& v) {
  s.trigger_queue = s.trigger_imds = false;
  for (std::size_t pos = 0; pos <= v.size();) {
    const auto comma = std::min(v.find(',', pos), v.size());
    const auto word = v.substr(pos, comma - pos);
    if (word == "queue") s.trigger_queue = true;
    else if (word == "imds") s.trigger_imds = true;
    else return "queue, imds, or queue,imds";
    pos = comma + 1;
  }
  return std::nullopt;
}

std::optional<std::string> set_int(int& out, const std::string& v, int lo, int hi, const std::string& what) {
  int n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc{} || p != v.data() + v.size() || n < lo || n > hi) return what;
  out = n;
  return std::nullopt;
}

const std::vector<setting>& table() {
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
       "write Prometheus metrics here when they change, at least every 20s (a node_exporter textfile, e.g. .../textfile_collector/hookd.prom)",
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

const setting* by_flag(const std::string& flag) {
  for (const auto& s : table())
    if (s.flag == flag) return &s;
  return nullptr;
}

error invalid(const setting& s, const std::string& source, const std::string& accepted) {
  // The key and the place, never the value: a value pasted into the wrong line can be a secret.
  return make_error(errc::invalid_input, "invalid " + s.flag.substr(2) + " (" + s.var + ") from " + source +
                                             ": expected " + accepted);
}

} // namespace

outcome<parse_result> load(const std::vector<std::string>& args, const env_lookup& env,
                           const std::function<std::optional<std::string>(const std::string&)>& file_text) {
  parse_result r;
  // Pass 1: the command line, kept aside so it can override everything else later.
  std::vector<std::tuple<const setting*, std::string, std::string>> from_flags; // setting, value, spelled flag
  std::string config_path;
  bool config_explicit = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "-h" || a == "--help") {
      r.help = true;
      continue;
    }
    if (a == "-V" || a == "--version") {
      r.version = true;
      continue;
    }
    if (a.rfind("--", 0) != 0 || a == "--") {
      if (a == "--") {
        for (++i; i < args.size(); ++i) r.positional.push_back(args[i]);
        break;
      }
      r.positional.push_back(a);
      continue;
    }
    std::string value;
    bool has_value = false;
    if (auto eq = a.find('='); eq != std::string::npos) {
      value = a.substr(eq + 1);
      a.resize(eq);
      has_value = true;
    }
    if (a == "--config") {
      if (!has_value) {
        if (i + 1 >= args.size()) return make_error(errc::invalid_input, "--config needs a file path");
        value = args[++i];
      }
      config_path = value;
      config_explicit = true;
      continue;
    }
    const setting* s = by_flag(a);
    if (!s) return make_error(errc::invalid_input, "unknown option '" + a + "'; run 'hookd --help' for the list");
    if (!s->arg.empty() && !has_value) {
      if (i + 1 >= args.size()) return make_error(errc::invalid_input, a + " needs a value (" + s->arg + ")");
      value = args[++i];
    }
    from_flags.emplace_back(s, value, a);
  }
  if (!r.positional.empty() &&
      (r.positional[0] == "run" || r.positional[0] == "simulate" || r.positional[0] == "check" || r.positional[0] == "cp" ||
       r.positional[0] == "status")) {
    r.command = r.positional[0];
    r.positional.erase(r.positional.begin());
  }
  if (r.help || r.version) return r;

  // Pass 2: the config file (explicit, HOOKD_CONFIG, or /etc/hookd/hookd.conf when present).
  if (!config_explicit) {
    if (auto v = env("HOOKD_CONFIG")) config_path = *v, config_explicit = true;
    else config_path = "/etc/hookd/hookd.conf";
  }
  if (auto text = file_text(config_path)) {
    auto lines = parse_env_file(*text, config_path);
    if (!lines) return lines.error();
    r.s.config_file = config_path;
    for (const auto& [key, vl] : *lines) {
      const auto& [value, line] = vl;
      const setting* s = nullptr;
      for (const auto& t : table())
        if (t.var == key) s = &t;
      if (!s) {
        if (key.rfind("HOOKD_", 0) == 0 && key != "HOOKD_CONFIG")
          return make_error(errc::invalid_input, config_path + ":" + std::to_string(line) + ": unknown setting " + key +
                                                     "; run 'hookd --help' for the list");
        r.s.file_env[key] = value;
        continue;
      }
      if (auto e = s->apply(r.s, value)) return invalid(*s, config_path + ":" + std::to_string(line), *e);
    }
  } else if (config_explicit) {
    return make_error(errc::not_found, "config file " + config_path + " not found (from " +
                                           (env("HOOKD_CONFIG") ? "HOOKD_CONFIG" : "--config") + ")");
  }

  // Pass 3: the environment.
  for (const auto& s : table()) {
    auto v = env(s.var);
    if (!v && s.var == "AWS_REGION") v = env("AWS_DEFAULT_REGION");
    if (v)
      if (auto e = s.apply(r.s, *v)) return invalid(s, "environment variable " + s.var, *e);
  }
  // Pass 4: flags win.
  for (const auto& [s, value, spelled] : from_flags)
    if (auto e = s->apply(r.s, value)) return invalid(*s, "command line " + spelled, *e);

  if (r.s.create_hook && r.s.notification_target_arn.empty())
    return make_error(errc::invalid_input, "--create-hook needs --notification-target-arn (the queue's ARN)");
  // Region from the file's AWS_REGION as well (a common bootstrap line).
  if (r.s.region.empty()) {
    if (auto it = r.s.file_env.find("AWS_REGION"); it != r.s.file_env.end()) r.s.region = it->second;
    else if (auto it2 = r.s.file_env.find("AWS_DEFAULT_REGION"); it2 != r.s.file_env.end()) r.s.region = it2->second;
  }
  return r;
}

env_lookup effective_env(const settings& s, const env_lookup& env) {
  return [file = s.file_env, env](std::string_view name) -> std::optional<std::string> {
    if (auto v = env(name)) return v;
    auto it = file.find(name);
    if (it == file.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
}

std::string help_table() {
  std::string out;
  for (const auto& s : table()) {
    std::string left = "  " + s.flag + (s.arg.empty() ? "" : " " + s.arg);
    if (left.size() < 36) left.resize(36, ' ');
    std::string var = s.var;
    if (var.size() < 30) var.resize(30, ' ');
    out += left + " " + var + " " + s.help + "\n";
  }
  return out;
}

} // namespace hookd::config
