#pragma once
// SPDX-License-Identifier: Apache-2.0
// The queue source: long-polls the shared queue, decides each message (lifecycle::decide), hands
// this instance's actions to the runner (a queue_sink), and releases other instances' messages by
// the release rule (release_planner), so a fleet's messages reach their owners in seconds. It
// runs and completes nothing itself: that is the runner's.
#include "hookd/agent/sinks.hpp"
#include "hookd/agent/first_receive.hpp"
#include "hookd/agent/options.hpp"
#include "hookd/aws/autoscaling.hpp"
#include "hookd/aws/sqs.hpp"
#include "hookd/core/bounded_set.hpp"
#include "hookd/core/log.hpp"
#include "hookd/lifecycle/disposition.hpp"

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>

#include <string>
#include <vector>

namespace hookd::agent {

class queue_source {
public:
  queue_source(boost::asio::any_io_executor ex, const options& o, const identity& id, aws::sqs_client& sqs,
               aws::autoscaling_client& asg, queue_sink& sink, logger& log, first_receive* first = nullptr);

  /// Polls until stop(); returns then (a long poll in flight is cancelled).
  boost::asio::awaitable<void> run();
  void stop();

  // How long a received message stays invisible before hookd decides about it. It is also the
  // longest any other instance's message is ever held by this one (release_planner): short, so a
  // fleet's messages reach their owners in seconds, and long enough for one agent to sweep a
  // same-order queue of thousands. Our own messages are extended at once, beside the action.
  static constexpr int receive_hold_seconds = 6;
  /// One long poll as the queue source makes it (the first one too, sent at start-up).
  static boost::asio::awaitable<first_receive::batch> poll(aws::sqs_client& sqs, int wait_seconds);
  /// The batch's releases wait at most this long for our script's exec: a few milliseconds more
  /// for other instances' owners, far inside the receive's hold.
  static constexpr std::chrono::milliseconds exec_first_bound{100};
  /// How long a batch waits for room in the runner for its actions (room comes as Auto Scaling
  /// answers, some milliseconds each): a third of the receive's hold, so the batch's releases of
  /// other instances' messages still go out well inside it, and the sweep of a flood goes no
  /// faster than its confirmations (a message left over comes back after the hold).
  static constexpr std::chrono::seconds take_wait_bound{2};

private:
  struct batch_plan;
  /// One message of a receive, decided; what to do with it is added to `out`.
  void decide_message(aws::sqs_message& m, const std::string& entry_id, sys_time now, batch_plan& out);
  /// One of ours: the runner takes it, and its message is kept hidden past the receive's hold.
  void take(const aws::sqs_message& m, const lifecycle::lifecycle_action& a, const std::string& entry_id, batch_plan& out);
  /// Ours, decided while the runner was full: each taken as room comes, until `until`; the rest deferred.
  boost::asio::awaitable<void> take_waiting(batch_plan& p, std::chrono::steady_clock::time_point until);
  /// One of ours, over the runner's bound: left in the queue for the receive's hold.
  void defer(const aws::sqs_message& m, const lifecycle::lifecycle_action& a, batch_plan& out);
  /// An EC2 notice on the queue: deleted, and instance metadata read at once.
  void notice(const aws::sqs_message& m, const std::string& why, const std::string& entry_id, batch_plan& out);
  /// The next batch: start-up's first receive (when there is one to decide), else a long poll.
  /// nullopt: the receive was cancelled.
  boost::asio::awaitable<std::optional<first_receive::batch>> receive();
  boost::asio::awaitable<void> handle_batch(std::vector<aws::sqs_message> batch);
  /// ChangeMessageVisibilityBatch (`release`) or DeleteMessageBatch, in chunks of ten.
  boost::asio::awaitable<void> settle(std::vector<aws::sqs_batch_entry> entries, bool release);
  /// Reads the group's hooks again (a message named a hook we did not know).
  boost::asio::awaitable<void> refresh_hooks();
  boost::asio::awaitable<void> sleep(std::chrono::milliseconds d);

  /// The hooks are read again at most this often (a message named one we did not know).
  static constexpr std::chrono::seconds hooks_refresh_interval{10};
  /// SentTimestamp and our corrected clock may differ by this much.
  static constexpr std::chrono::seconds hooks_read_margin{5};

  boost::asio::any_io_executor ex_;
  const options& o_;
  std::string group_;
  aws::sqs_client& sqs_;
  aws::autoscaling_client& asg_;
  queue_sink& sink_;
  logger& log_;
  first_receive* first_; ///< taken by the first receive(), null after
  lifecycle::self_identity self_;
  lifecycle::release_planner planner_{receive_hold_seconds};
  bounded_set logged_once_{agent::token_memory}; ///< message ids already reported
  std::chrono::steady_clock::time_point hooks_read_{}; ///< the last look-up (none yet here: start-up's was before us)
  sys_time hooks_read_at_ = sys_time::min();            ///< when it was asked, on SQS's clock
  bool stopping_ = false;
  bool backlog_full_ = false; ///< the runner's bound was reached (logged once until it has room again)
  boost::asio::cancellation_signal poll_stop_;
  boost::asio::steady_timer idle_;
};

} // namespace hookd::agent
