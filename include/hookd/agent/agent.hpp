#pragma once
// SPDX-License-Identifier: Apache-2.0
// The orchestrator: long-polls the queue, decides what each message is (disposition), releases
// other instances' messages, and carries out this instance's lifecycle actions one at a time:
// journal, fetch the script, run it under the supervisor while heartbeating, complete the action,
// delete the message. Single-threaded on the caller's io_context.
#include "hookd/agent/journal.hpp"
#include "hookd/agent/script.hpp"
#include "hookd/aws/autoscaling.hpp"
#include "hookd/aws/s3.hpp"
#include "hookd/aws/sqs.hpp"
#include "hookd/core/bounded_set.hpp"
#include "hookd/config/config.hpp"
#include "hookd/core/log.hpp"
#include "hookd/lifecycle/disposition.hpp"
#include "hookd/proc/supervisor.hpp"

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <map>
#include <tuple>
#include <optional>
#include <set>
#include <string>

namespace hookd::agent {

/// One lifecycle action of this instance, and the message it came in.
struct received_action {
  lifecycle::lifecycle_action action;
  std::string message_id;
  std::string receipt_handle;
  bool resumed = false; ///< from the journal: its message's visibility has not been extended yet
  int resumes = 0;      ///< times the journal entry has been taken up again (counting this one)
};

/// A journal entry whose script was started this many times more without finishing is given up
/// (completed with the failure result): a script that crashes hookd, or a machine that keeps
/// crashing under it, must not run again on every restart.
inline constexpr int max_resumes = 3;

struct action_summary {
  std::string token, transition, instance_id, hook, result;
  std::string outcome;            ///< "exit 0", "killed by SIGKILL ...", "not started: ..."
  int heartbeats = 0;
  bool completed = false;         ///< CompleteLifecycleAction succeeded
  bool already_over = false;      ///< Auto Scaling said the action was no longer active
  bool deleted = false;
  std::chrono::milliseconds script_duration{0}, total{0};
};

class agent {
public:
  agent(boost::asio::any_io_executor ex, config::settings s, identity id, aws::sqs_client& sqs,
        aws::autoscaling_client& asg, aws::s3_client& s3, journal& j, logger& log, env_lookup env);

  /// Runs until stopped (or, with --once, until one action of this instance is done). Returns the
  /// process exit code. Never throws for AWS or script failures.
  boost::asio::awaitable<int> run();

  /// First call: stop receiving; a running action may go on for `shutdown_grace`, then its script
  /// is stopped and the action completed with the failure result. Second call: stop the script now.
  void stop();

  std::vector<action_summary> finished() const { return {finished_.begin(), finished_.end()}; }
  /// How many tokens, message ids and summaries the agent remembers at most.
  static constexpr std::size_t token_memory = 1000;

private:
  boost::asio::awaitable<void> resume_journal();
  boost::asio::awaitable<void> handle_batch(std::vector<aws::sqs_message> batch);
  /// ChangeMessageVisibilityBatch (`release`) or DeleteMessageBatch, in chunks of ten.
  boost::asio::awaitable<void> settle(std::vector<aws::sqs_batch_entry> entries, bool release);
  /// The action runner: takes this instance's actions one at a time from `pending_`, while the
  /// poll loop goes on receiving (and releasing other instances' messages).
  void start_runner();
  boost::asio::awaitable<void> run_pending();
  boost::asio::awaitable<void> wait_for_runner();
  boost::asio::awaitable<void> run_action(received_action r);
  enum class confirmation { confirmed, refused, unknown };
  boost::asio::awaitable<confirmation> confirm(const lifecycle::lifecycle_action& a, bool resumed, int& heartbeats);
  /// An action that is not run: refused (deleted: it names us, and is no action of ours) or
  /// unknown (put back to be decided again).
  boost::asio::awaitable<void> drop_action(const received_action& r, bool refused);
  /// The action of `token` is over: its held duplicates are deleted, its journal entry ends and
  /// it is remembered as done.
  boost::asio::awaitable<void> mark_done(const std::string& token);
  /// After completion: delete the message and its duplicates, end the journal entry.
  boost::asio::awaitable<void> settle_action(const received_action& r, action_summary& sum);
  boost::asio::awaitable<void> keep_alive(const lifecycle::lifecycle_action& a, std::string handle, bool extend_first,
                                          std::chrono::milliseconds interval, std::chrono::steady_clock::time_point global_deadline,
                                          int& heartbeats);
  boost::asio::awaitable<void> complete(const lifecycle::lifecycle_action& a, const std::string& result,
                                        std::chrono::steady_clock::time_point global_deadline, action_summary& sum);
  std::chrono::milliseconds heartbeat_interval(const std::string& hook) const;
  /// Reads the group's hooks again (a message named a hook we did not know).
  boost::asio::awaitable<void> refresh_hooks();
  static constexpr std::chrono::seconds hooks_refresh_interval{60};
  std::chrono::steady_clock::time_point hooks_read_ = std::chrono::steady_clock::now();
  /// How long our own message is kept invisible between heartbeats.
  int action_visibility(const std::string& hook) const;
  boost::asio::awaitable<void> sleep(std::chrono::milliseconds d);
  bool known_token(const std::string& token) const;
  std::chrono::seconds global_timeout(const std::string& hook) const;
  int heartbeat_timeout(const std::string& hook) const;

  boost::asio::any_io_executor ex_;
  config::settings s_;
  identity id_;
  aws::sqs_client& sqs_;
  aws::autoscaling_client& asg_;
  aws::s3_client& s3_;
  journal& journal_;
  logger& log_;
  env_lookup env_;
  lifecycle::self_identity self_;
  lifecycle::release_planner planner_;
  /// Token sets, all keyed by journal::file_name(token). done_ and attempted_ forget their oldest
  /// past a bound: a forgotten token's message is only confirmed with Auto Scaling again.
  std::set<std::string> running_;
  bounded_set done_{token_memory}, attempted_{token_memory};
  std::deque<received_action> pending_;
  bool runner_busy_ = false;
  bool once_done_ = false;
  bounded_set logged_once_{token_memory};                      ///< message ids already reported
  std::map<std::string, std::vector<std::string>> duplicate_handles_; ///< token -> handles to delete with it
  std::deque<action_summary> finished_; ///< the last `token_memory` actions
  bool stopping_ = false;
  int stop_requests_ = 0;
  bool action_running_ = false;
  boost::asio::cancellation_signal poll_stop_;
  boost::asio::cancellation_signal script_stop_;
  std::optional<boost::asio::steady_timer> grace_timer_;
  boost::asio::steady_timer idle_;
  boost::asio::steady_timer runner_idle_; ///< cancelled when the runner has nothing left
};

} // namespace hookd::agent
