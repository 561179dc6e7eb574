#pragma once
// SPDX-License-Identifier: Apache-2.0
// The instance-metadata source: every --imds-poll it reads this instance's Auto Scaling target
// lifecycle state, Spot interruption notice, rebalance recommendation and scheduled maintenance,
// and tells the agent (an action_sink) when one of them means a transition has begun. It acts on
// changes only: a state that stays "Terminated" is one event, not one per poll.
#include "hookd/agent/sinks.hpp"
#include "hookd/core/bounded_set.hpp"
#include "hookd/agent/options.hpp"
#include "hookd/agent/status.hpp"
#include "hookd/aws/autoscaling.hpp"
#include "hookd/aws/imds.hpp"
#include "hookd/core/log.hpp"

#include <boost/asio/steady_timer.hpp>

#include <optional>
#include <set>
#include <string>

namespace hookd::agent {

class imds_source {
public:
  imds_source(boost::asio::any_io_executor ex, const options& o, std::string instance_id, std::string group,
              aws::imds_client& imds, aws::autoscaling_client& asg, action_sink& sink, logger& log, status_snapshot& status);
  /// The group's hooks are read again this often (and before each transition is acted on): one
  /// call an hour per instance, so a fleet of 200 makes 200 an hour.
  static constexpr std::chrono::hours hooks_refresh_interval{1};
  /// Rebalance recommendations and scheduled maintenance are read this often at most (every poll
  /// when --imds-poll is longer): both warn ahead (maintenance by days, acted on --maintenance-lead
  /// ahead, 10 min by default; a rebalance ahead of any interruption, whose own 2-min notice is
  /// read every poll), so reading them at every 5 s poll doubled what an idle hookd did for
  /// nothing (issue 28: two of the four reads of each poll).
  static constexpr std::chrono::seconds advance_notice_interval{30};
  /// Maintenance events read from one document at most.
  static constexpr std::size_t max_maintenance_events = 16;

  void start();
  /// Reads the Spot and rebalance notices once, now (a notice arrived on the queue).
  void check_notices();
  /// Ends the polling loop and waits for it.
  boost::asio::awaitable<void> stop();

private:
  boost::asio::awaitable<void> loop();
  boost::asio::awaitable<void> target_state();
  boost::asio::awaitable<void> spot();
  boost::asio::awaitable<void> rebalance();
  boost::asio::awaitable<void> maintenance();
  /// GET one path; nullopt both for 404 and for a failure (logged once per failing streak).
  boost::asio::awaitable<std::optional<std::string>> read(const char* path);
  boost::asio::awaitable<void> act(instance_event ev);
  boost::asio::awaitable<void> refresh_hooks();
  /// A Warmed:* target first seen while the group shows Warmed:Pending(:Wait): a launch into the
  /// pool, or a scale-in back into it? Only once the wait state has begun (`waiting`): then the
  /// group's hooks say when they are all of one kind, else a heartbeat by instance id that an
  /// action of one of our hooks takes. nullopt: not known now, asked again within 10 s.
  boost::asio::awaitable<std::optional<lifecycle::transition>> warm_leg_transition(bool waiting);

  boost::asio::any_io_executor ex_;
  const options& o_;
  std::string instance_id_;
  std::string group_;
  aws::imds_client& imds_;
  aws::autoscaling_client& asg_;
  action_sink& sink_;
  logger& log_;
  status_snapshot& status_;
  boost::asio::steady_timer timer_, done_;
  bool stopping_ = false, running_ = false, failing_ = false;
  int checks_ = 0; ///< check_notices() coroutines still going
  std::string last_state_;
  std::string announced_; ///< the target state last logged: a state asked about again is logged once
  std::string undecided_; ///< a Warmed:* target whose leg is not known yet, asked again at undecided_until_
  std::chrono::steady_clock::time_point undecided_until_{};
  bounded_set logged_{256};           ///< what was said once: states, notices, event fingerprints
  bounded_set maintenance_acted_{256}; ///< event ids whose lead time has come
  std::chrono::steady_clock::time_point hooks_read_ = std::chrono::steady_clock::now(); ///< start-up read them
  std::optional<std::chrono::steady_clock::time_point> notices_read_; ///< rebalance and maintenance, last read
};

} // namespace hookd::agent
