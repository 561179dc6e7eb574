#pragma once
// SPDX-License-Identifier: Apache-2.0
// The two faces the agent shows its sources: what the queue source and the metadata source may
// ask of the runner, and hand it. Kept apart from agent.hpp so a source sees only these.
#include "hookd/agent/transition_runs.hpp"
#include "hookd/aws/autoscaling.hpp"
#include "hookd/core/time.hpp"
#include "hookd/lifecycle/notification.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace hookd::agent {

/// One lifecycle action of this instance, and the message it came in.
struct received_action {
  lifecycle::lifecycle_action action;
  std::string message_id;
  std::string receipt_handle;
  bool resumed = false; ///< from the journal: its message's visibility has not been extended yet
  int resumes = 0;      ///< times the journal entry has been taken up again (counting this one)
  std::optional<sys_time> must_end_by; ///< a Spot interruption's time: the script's limit is cut to end before it
  std::optional<sys_time> sent{}; ///< SQS's SentTimestamp (AWS's clock, not the sender's word): the confirm window counts from it
};

/// Where a source hands what it learnt about this instance. `submit` takes an action by instance
/// id (no token); an action for a transition that already has a run attaches to that run.
class action_sink {
public:
  virtual ~action_sink() = default;
  virtual void submit(instance_event event) = 0;
  /// The transition has a run (going or ended): a later signal for it changes nothing.
  virtual bool has_run(lifecycle::transition transition) const = 0;
  /// Something `hookd status` shows has changed (a source's first success, a failure): write it now.
  virtual void status_changed() = 0;
  /// The instance's target state is now `target`: every other leg's "done" mark is forgotten (in
  /// memory and on disk), since a warm pool's instance passes through its legs again and again.
  virtual void leg_changed(const std::string& target) = 0;
  /// The group's hooks, read again.
  virtual void hooks_read(std::vector<aws::lifecycle_hook> hooks) = 0;
};

/// What the queue source asks of the runner: whether a token is known, to take an action of ours,
/// to hold a copy of a running action's message, and the hooks' timings.
class queue_sink {
public:
  virtual ~queue_sink() = default;
  /// Running, done or attempted: a copy of its message is a duplicate.
  virtual bool known_token(const std::string& token) const = 0;
  /// Finished: a copy of its message is deleted.
  virtual bool token_done(const std::string& token) const = 0;
  /// A copy of a running action's message: deleted with the action's own.
  virtual void hold_duplicate(const std::string& token, std::string receipt_handle) = 0;
  /// One of ours: the runner takes it, and from now on its token is known.
  virtual void take(received_action r) = 0;
  /// Returns once the action just taken has its script started (or will not start it), or after
  /// `at_most`: the batch's releases and deletes then open their connections beside the script,
  /// not ahead of its exec on the one thread.
  virtual boost::asio::awaitable<void> exec_started(std::chrono::milliseconds at_most) = 0;
  /// How long our own message is kept invisible between heartbeats.
  virtual int action_visibility(const std::string& hook) const = 0;
  virtual std::chrono::seconds global_timeout(const std::string& hook) const = 0;
  /// The group's hooks, read again.
  virtual void hooks_read(std::vector<aws::lifecycle_hook> hooks) = 0;
  /// A receive ended: "" when it worked, else what went wrong (for `hookd status`).
  virtual void polled(const std::string& error) = 0;
  /// An EC2 notice came on the queue: instance metadata is read now. False when it cannot be.
  virtual bool check_notices() = 0;
  /// An action of ours is under way, or this instance's terminate transition has run: whatever a
  /// burst still holds is others' (a second hook's message attaches to the run).
  virtual bool served() const = 0;
  /// Whether one more action may be taken now. Taken actions wait in memory for their
  /// confirmation and their turn, so at most a bound of them do; when full, one Auto Scaling has
  /// said "no active action" of may be put back (its message returns once its confirm window is
  /// over) to make room. False: the message is left in the queue (its receive's short hold lapses).
  virtual bool room_for_action() = 0;
  /// Until room_for_action() (true), or `until` passes or hookd stops (false). Room comes as
  /// confirmations are answered: the queue source takes no faster than Auto Scaling answers.
  virtual boost::asio::awaitable<bool> wait_for_room(std::chrono::steady_clock::time_point until) = 0;
};

} // namespace hookd::agent
