#pragma once
// SPDX-License-Identifier: Apache-2.0
// hookd's settings from three sources, highest first: command-line flags, environment variables,
// and a config file of KEY=VALUE lines using the variables' names (so a bootstrap script can write
// `export` lines into it). Pure: the caller hands in argv, the environment and the file's text.
#include "hookd/config/notify_settings.hpp"
#include "hookd/config/drain_settings.hpp"
#include "hookd/config/ready_settings.hpp"
#include "hookd/core/env.hpp"
#include "hookd/core/error.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace hookd::config {

enum class log_format { text, json };
enum class log_level { debug, info, warn, error };
/// What a notice (Spot interruption, rebalance, scheduled maintenance) makes hookd do.
enum class notice_action { log, script };

struct settings {
  std::string queue_url;
  std::string region;
  std::string instance_id;
  std::string group;
  std::set<std::string> hooks;
  std::string on_terminate, on_launch; ///< s3://bucket/key or a local path
  std::chrono::milliseconds script_timeout{std::chrono::hours(1)};
  std::optional<std::chrono::milliseconds> heartbeat_interval; ///< default: a third of the hook's HeartbeatTimeout
  std::string on_success = "CONTINUE";
  std::string on_failure = "ABANDON";
  std::string expected_bucket_owner;
  std::string script_sha256;
  std::string run_as;
  /// Hand hookd's own static AWS keys (AWS_ACCESS_KEY_ID...) to a --run-as script too. Off: a
  /// less privileged user should not receive root's keys unless the operator says so.
  bool run_as_aws_keys = false;
  std::string state_dir = "/var/lib/hookd";
  std::string log_file;
  log_format format = log_format::text;
  log_level level = log_level::info;
  bool once = false;
  // Where lifecycle actions come from: the shared SQS queue, instance metadata, or both.
  bool trigger_queue = true;
  bool trigger_imds = false;
  std::chrono::milliseconds imds_poll{std::chrono::seconds(5)}; ///< AWS's advice; IMDS has a packet-rate limit
  notice_action on_spot_interruption = notice_action::script;
  notice_action on_rebalance = notice_action::log;     ///< acting on it causes thrash: opt-in
  notice_action on_maintenance = notice_action::log;
  std::chrono::milliseconds maintenance_lead{std::chrono::minutes(10)}; ///< script mode: this long before NotBefore
  drain_config drain; ///< drains before a terminate script (config/drain_settings.hpp)
  ready_config ready; ///< the readiness gate after a launch script (config/ready_settings.hpp)
  std::string on_warm; ///< --warm-script: runs for a leg into the warm pool, in place of the launch or terminate script
  std::string metrics_file; ///< node_exporter textfile, rewritten when what it says changes
  bool uses_queue() const { return trigger_queue; }
  bool uses_imds() const { return trigger_imds; }
  std::chrono::milliseconds shutdown_grace{std::chrono::minutes(5)};
  int wait_seconds = 20;                              ///< SQS long poll
  std::chrono::milliseconds error_backoff{std::chrono::seconds(5)};
  /// A random wait, up to this, before the first Auto Scaling call: 200 instances started by
  /// cron @reboot in one second must not call DescribeLifecycleHooks in one second.
  std::chrono::milliseconds startup_jitter{0};
  /// After a receive that held only other instances' messages (all released), wait about this
  /// long (50-150%) before the next receive, so the rest of the fleet gets them (0: never).
  std::chrono::milliseconds yield_pause{std::chrono::seconds(1)};
  /// How long a new action's "No active Lifecycle Action" is retried before its message is judged
  /// stale or forged (the action can become visible a moment after its notification).
  std::chrono::milliseconds confirm_window{std::chrono::seconds(10)};
  std::chrono::milliseconds kill_grace{std::chrono::seconds(10)}; ///< SIGTERM -> SIGKILL for the script
  // --create-hook
  bool create_hook = false;
  std::string notification_target_arn, role_arn;
  int heartbeat_timeout = 300;
  std::string default_result = "ABANDON";
  std::string hook_transition = "autoscaling:EC2_INSTANCE_TERMINATING";

  // hookd simulate
  std::string simulate_transition = "terminate"; ///< terminate | launch
  std::string simulate_script;                   ///< overrides --on-terminate / --on-launch

  notify_settings notify; ///< webhooks and SNS (config/notify_settings.hpp)

  std::string config_file; ///< the file that was read, if any
  /// Variables from the config file that are not hookd settings (AWS_* and the like): they act as
  /// environment variables for the AWS layer, with the real environment taking precedence.
  std::map<std::string, std::string, std::less<>> file_env;
};

struct parse_result {
  settings s;
  bool help = false;
  bool version = false;
  std::string command = "run"; ///< first positional word: run, simulate, check, cp
  std::vector<std::string> positional;
};

/// `file_text(path)` returns the file's text, or nullopt when it does not exist.
outcome<parse_result> load(const std::vector<std::string>& args, const env_lookup& env,
                           const std::function<std::optional<std::string>(const std::string&)>& file_text);

/// The environment the AWS layer sees: the process environment, then the config file's variables.
env_lookup effective_env(const settings& s, const env_lookup& env);

/// The settings table for `--help`: "  --queue-url URL   HOOKD_QUEUE_URL   the SQS queue ..." lines.
std::string help_table();

/// Parses KEY=VALUE lines (optional `export `, single or double quotes, `#` comments).
outcome<std::vector<std::pair<std::string, std::pair<std::string, int>>>> parse_env_file(std::string_view text,
                                                                                       const std::string& path);

} // namespace hookd::config
