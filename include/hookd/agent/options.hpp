#pragma once
// SPDX-License-Identifier: Apache-2.0
// What the agent and its parts need from the configuration, and nothing else: the command line's
// settings are turned into these once, so the agent never reads a simulate or --create-hook field.
#include "hookd/config/config.hpp"
#include "hookd/drain/elbv2_plan.hpp"

#include <chrono>
#include <optional>
#include <set>
#include <string>

namespace hookd::agent {

using std::chrono::milliseconds;

/// Running one script: shared by the agent and `hookd simulate`.
struct script_options {
  std::string on_terminate, on_launch; ///< s3://bucket/key or a local path
  std::string on_warm;                 ///< --warm-script: a leg into the warm pool runs it instead (empty: the transition's own)
  std::string state_dir;               ///< downloads go to STATE/scripts
  std::string script_sha256;
  std::string run_as;
  bool run_as_aws_keys = false;
  milliseconds time_limit{std::chrono::hours(1)};
  milliseconds kill_grace{std::chrono::seconds(10)};
};

struct options {
  script_options script;
  std::set<std::string> hooks;         ///< only these are ours (empty: every hook of the group)
  std::string on_success = "CONTINUE", on_failure = "ABANDON";
  std::optional<milliseconds> heartbeat_interval;
  milliseconds confirm_window{std::chrono::seconds(10)};
  milliseconds error_backoff{std::chrono::seconds(5)};
  milliseconds shutdown_grace{std::chrono::minutes(5)};
  milliseconds yield_pause{std::chrono::seconds(1)};
  int wait_seconds = 20;
  bool once = false;
  // Sources.
  bool queue = true, imds = false;
  milliseconds imds_poll{std::chrono::seconds(5)};
  config::notice_action on_spot_interruption = config::notice_action::script;
  config::notice_action on_rebalance = config::notice_action::log;
  config::notice_action on_maintenance = config::notice_action::log;
  milliseconds maintenance_lead{std::chrono::minutes(10)};
  std::string metrics_file;
  config::drain_config drain; ///< the drain phase: what is drained before a terminate script
  drain::poll_timing drain_timing; ///< how often a drain asks again (tests: milliseconds)
  config::ready_config ready;      ///< the readiness gate after a launch script
};

script_options script_options_from(const config::settings& s);
options options_from(const config::settings& s);

} // namespace hookd::agent
