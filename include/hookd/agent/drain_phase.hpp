#pragma once
// SPDX-License-Identifier: Apache-2.0
// The pipeline's drain phase (--drain elbv2,ecs): before a terminate script runs, the instance is
// taken out of its load balancers' target groups and its ECS cluster, so the script runs on an
// instance that takes no new work. It runs once per transition, like the script; the action is
// heartbeated throughout by the runner. Its results go to the script (HOOKD_DRAIN_RESULT), to
// the metrics and to `hookd status`; under --drain-failure abandon, a drain that failed or timed
// out ends the run with ABANDON and the script does not run.
#include "hookd/agent/pipeline.hpp"
#include "hookd/agent/status.hpp"
#include "hookd/aws/imds.hpp"
#include "hookd/config/drain_settings.hpp"
#include "hookd/core/log.hpp"
#include "hookd/drain/drains.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>

#include <functional>
#include <optional>

namespace hookd::agent {

/// When a drain must be over: --drain-timeout from now, but never past the action's global
/// timeout, and on a Spot interruption no later than two thirds of the way to it, so the script
/// keeps a third of the notice (40 s of the usual 2 minutes). Pure.
std::chrono::steady_clock::time_point drain_deadline(std::chrono::steady_clock::time_point now, std::chrono::milliseconds timeout,
                                                     std::chrono::steady_clock::time_point global,
                                                     std::optional<std::chrono::milliseconds> until_interruption);

class drain_phase final : public phase {
public:
  struct deps {
    boost::asio::any_io_executor ex;
    const config::drain_config& settings;
    drain::poll_timing timing;
    drain::drain_clients clients;
    aws::imds_client* imds; ///< the private IPv4s that `ip` target groups register (null: none known)
    logger& log;
    status_snapshot& status;             ///< drain counts and durations for the metrics
    boost::asio::cancellation_slot stop; ///< hookd's shutdown, after its grace: the drains end at their next step
    std::function<void(std::string)> told; ///< the drains' results (HOOKD_DRAIN_RESULT's line), for notifications
  };
  /// Whether the run of `a` has a drain phase: a drain is enabled and `a` is a termination.
  static bool applies(const config::drain_config& settings, const lifecycle::lifecycle_action& a) {
    return settings.any() && a.transition == lifecycle::transition::terminate;
  }
  explicit drain_phase(deps d) : d_(std::move(d)) {}
  std::string_view name() const override { return "drain"; }
  boost::asio::awaitable<bool> run(run_context& ctx) override;

private:
  boost::asio::awaitable<std::vector<drain::result>> drain_all(const drain::drain_request& req);
  void count(const std::vector<drain::result>& results);
  deps d_;
};

} // namespace hookd::agent
