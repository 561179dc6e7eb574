#pragma once
// SPDX-License-Identifier: Apache-2.0
// What an action needs around its script, shared by the agent and `hookd simulate`: the identity
// (group and hooks), the script itself (downloaded, checked, handed to a --run-as user), the
// command line and environment it runs with, and its supervision.
#include "hookd/agent/options.hpp"
#include "hookd/aws/autoscaling.hpp"
#include "hookd/aws/s3.hpp"
#include "hookd/config/config.hpp"
#include "hookd/core/log.hpp"
#include "hookd/lifecycle/notification.hpp"
#include "hookd/proc/supervisor.hpp"

#include <boost/asio/cancellation_signal.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>

namespace hookd::agent {

struct identity {
  std::string region;
  std::string instance_id;
  std::string group;
  std::map<std::string, aws::lifecycle_hook> hooks; ///< by name: heartbeat and global timeouts
};

/// Group (DescribeAutoScalingInstances, unless configured) and hooks (DescribeLifecycleHooks).
/// Retries with backoff until it succeeds or `give_up` says stop: an instance may start before its
/// IAM role has propagated, and that must not become a crash loop.
boost::asio::awaitable<outcome<identity>> resolve_identity(const config::settings& s, std::string region,
                                                           std::string instance_id, aws::autoscaling_client& asg,
                                                           logger& log, const std::function<bool()>& give_up);

/// What the script gets: arguments `TRANSITION INSTANCE_ID`, the HOOKD_* variables, AWS_REGION, and
/// the standard AWS/proxy variables passed through so that `hookd cp` and the AWS CLI work in it.
proc::command script_command(const std::string& path, const lifecycle::lifecycle_action& a, const std::string& region,
                             const script_options& s, const env_lookup& env);

/// The script a leg runs: --warm-script for a leg into the warm pool (when set), else the
/// transition's own (--on-terminate / --on-launch).
const std::string& script_for(const script_options& s, const lifecycle::lifecycle_action& a);
/// The same, for a leg known by its transition and destination (the metadata source, before it
/// makes an action).
const std::string& script_for(const script_options& s, lifecycle::transition t, std::string_view destination);

/// The script for the action's transition (`--on-terminate` / `--on-launch`, or `source` when
/// given): an S3 object downloaded into STATE/scripts, or a local path; checked against
/// `--script-sha256`. nullopt with `why` set when it cannot be had.
boost::asio::awaitable<std::optional<std::string>> fetch_script(const script_options& s, const lifecycle::lifecycle_action& a,
                                                                const std::string& source, aws::s3_client* s3, logger& log,
                                                                std::string& why);

/// Supervises the script with the configured limits, logging every output line with the token.
/// `stop` (optional) cancels it the way hookd's shutdown does.
boost::asio::awaitable<proc::run_result> supervise_script(proc::command cmd, const script_options& s,
                                                          const std::string& token, logger& log,
                                                          boost::asio::cancellation_slot stop = {},
                                                          std::function<void(pid_t)> on_spawn = {});

/// Removes a script hookd put in place for one run (a download, or a copy handed to the --run-as
/// user); leaves an operator's own local script alone.
void discard_script(const std::string& path, const script_options& s);

} // namespace hookd::agent
