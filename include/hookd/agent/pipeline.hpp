#pragma once
// SPDX-License-Identifier: Apache-2.0
// A confirmed run of a transition, as a short pipeline of phases. The runner (agent) confirms the
// action first (confirm.cpp: that verdict is shared with actions that attach to the run), then
// runs the phases in order under one heartbeat, then completes every action waiting on the run
// (finish_action). The phases between are small units with one job each:
//
//   confirm -> [drain] -> script -> [ready] -> complete
//
// A phase reads and writes the run's context: what it found (the script's path, what a drain
// did), the result the run completes with, and variables for the script. A phase that ends the
// run early (a drain that failed under --drain-failure abandon) says so, and the later phases do
// not run; completion always does. Single-threaded, on the agent's executor; a phase never
// throws for AWS or script misbehaviour.
#include "hookd/lifecycle/notification.hpp"
#include "hookd/proc/supervisor.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace hookd::agent {

struct received_action;
struct action_summary;

/// What one run carries from phase to phase.
struct run_context {
  const received_action& r;
  action_summary& sum;
  std::optional<std::string> script_path; ///< fetched beside the confirmation; nullopt: `fetch_error` says why
  std::string fetch_error;
  std::chrono::steady_clock::time_point global; ///< the action's global timeout, as a deadline
  std::string result;                           ///< what the run completes with, once a phase decides it
  std::map<std::string, std::string> script_env; ///< variables earlier phases hand the script
};

class phase {
public:
  virtual ~phase() = default;
  /// Its name in `hookd status` and in log lines: "drain", "script", "ready".
  virtual std::string_view name() const = 0;
  /// Does the phase's work. False: the run ends here, with ctx.result (which the phase set).
  virtual boost::asio::awaitable<bool> run(run_context& ctx) = 0;
};

/// Runs `phases` in order until one ends the run; `entering(name)` is called before each.
boost::asio::awaitable<void> run_phases(std::span<phase* const> phases, run_context& ctx,
                                        const std::function<void(std::string_view)>& entering);

} // namespace hookd::agent
