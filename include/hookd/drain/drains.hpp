#pragma once
// SPDX-License-Identifier: Apache-2.0
// The drain phase's one entry point: every drain enabled by --drain, side by side, each bounded
// by the caller's deadline, with a log line at the start and end of each. What the pipeline hands
// to the script (HOOKD_DRAIN_RESULT, format_results) and whether --drain-failure applies
// (unsuccessful) are in result.hpp.
//
// Cancellation: a total or terminal cancellation of the caller ends every drain at its next step
// (each returns failed, reason "cancelled ..."); run_drains then returns. It never throws for
// AWS's misbehaviour. Single-threaded: on the clients' io_context.
#include "hookd/aws/ecs.hpp"
#include "hookd/aws/elbv2.hpp"
#include "hookd/config/drain_settings.hpp"
#include "hookd/core/log.hpp"
#include "hookd/drain/ecs_plan.hpp"
#include "hookd/drain/elbv2_plan.hpp"
#include "hookd/drain/result.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace hookd::drain {

/// The clients of the enabled drains (not owned; null for a drain that is off).
struct drain_clients {
  aws::elbv2_client* elbv2 = nullptr;
  aws::ecs_client* ecs = nullptr;
};

struct drain_request {
  std::string instance_id;
  std::vector<std::string> private_ips; ///< `ip` target groups: the instance's private IPv4s (private_ipv4s())
  /// min(--drain-timeout, the action's time left, a Spot notice's budget), from the caller.
  std::chrono::steady_clock::time_point deadline;
  config::drain_config settings;
  std::string ecs_config_path = default_ecs_config;
  poll_timing timing;
};

/// One result per enabled drain, elbv2 first; empty when none is enabled.
boost::asio::awaitable<std::vector<result>> run_drains(const drain_clients& clients, const drain_request& req, logger& log);

} // namespace hookd::drain
