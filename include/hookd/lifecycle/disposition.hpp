#pragma once
// SPDX-License-Identifier: Apache-2.0
// The no-loss policy: what hookd does with each message it receives. Pure, so every rule is a
// unit test: a message is deleted only when its action is done or can never be done; anything
// hookd cannot vouch for is put back, never deleted.
#include "hookd/lifecycle/notification.hpp"

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace hookd::lifecycle {

struct self_identity {
  std::string instance_id;
  std::string group;
  std::set<std::string> hooks; ///< hooks we own; empty: every hook of our group
  std::set<std::string> group_hooks; ///< the hooks our group has (DescribeLifecycleHooks); empty: unknown
  bool terminate_script = false;
  bool launch_script = false;
};

enum class verdict {
  run,            ///< ours: run the action
  duplicate,      ///< an action with this token is running or done here
  foreign,        ///< another instance's (or a hook we do not own): release it for its owner
  expired,        ///< Time + the hook's global timeout has passed: nobody can act on it; delete
  test,           ///< autoscaling:TEST_NOTIFICATION: delete
  unparseable,    ///< cannot read it: never delete; put back with a long delay
  no_script,      ///< ours, but no script is configured for its transition: leave it alone
  unknown_hook,   ///< names us and our group, with a hook the group does not have (as last read)
  notice,         ///< an EC2 Spot or rebalance notice for this instance: checked against instance metadata, deleted
};

/// A message of ours counts as expired only this long after its hook's global timeout: clocks
/// and timestamps are never exact, and deleting too early would lose an action.
inline constexpr std::chrono::minutes expiry_margin{10};

std::string_view verdict_name(verdict v);

struct decision {
  verdict what;
  std::string why; ///< one line for the log
};

/// `global_timeout(hook)` gives our group's hook's GlobalTimeout (Auto Scaling's default, 48 h,
/// when unknown). `now` is the clock corrected by what AWS has told us of ours. `sent` is the
/// message's SentTimestamp, used when the body carries no Time. Another instance's message is
/// never judged expired: its owner, or the queue's retention and redrive policy, decides.
/// `known(token)`: an action with this token is running, done or attempted here.
decision decide(const notification& n, const self_identity& self, const std::function<bool(const std::string&)>& known,
                const std::function<std::chrono::seconds(const std::string& hook)>& global_timeout, sys_time now,
                std::optional<sys_time> sent);

/// One foreign message as a receive returned it.
struct foreign_sighting {
  std::string id;
  int receive_count = 0; ///< ApproximateReceiveCount (0: the queue did not say)
};

/// How foreign messages are handed back: the rule that must work for one agent and for 200 on one
/// queue (docs/ARCHITECTURE.md, "The release rule").
/// - A foreign message is released at once (visibility 0), so its owner can have it.
/// - It is held instead (left with the receive's own short visibility, `hold`) only while this
///   agent is *stepping over*: a message we released came straight back in our very next
///   receive, made at once, with its receive count up by exactly one. That is a
///   same-order queue that nobody else is reading: holding what we have seen, and what nobody
///   has received before us (count 1), lets the next receive reach further, so one agent still
///   finds its message behind hundreds. A message new to us that others have received is
///   released even then.
/// - Progress (our own message, or an empty receive) ends stepping over, and so does a repeat
///   whose count jumped by more than one: other agents are reading the queue, and holding would
///   hide their messages from them.
/// So no foreign message is ever hidden for longer than `hold`, whatever its history.
class release_planner {
public:
  explicit release_planner(int hold_seconds, std::size_t memory = 20000);

  /// The visibility to set for each foreign message of one receive (nullopt: no call needed, it
  /// stays invisible for the receive's `hold`). `made_progress`: the receive also returned ours,
  /// or nothing at all.
  std::vector<std::optional<int>> plan(const std::vector<foreign_sighting>& foreign, bool made_progress);
  /// Times this agent has received the message.
  int seen(const std::string& id) const;
  bool stepping_over() const noexcept { return stepping_; }
  /// The last receive was all other instances' messages and they were all released: pausing
  /// before the next receive lets the rest of the fleet have them, rather than taking them back.
  bool yield_to_others() const noexcept { return yield_; }
  /// How long to pause before the next receive: none unless yielding; `base` (--yield-pause)
  /// for an agent still looking for its message; `served_factor` times that for one `served`
  /// (its own action under way or its instance leaving): each receive of a served agent is one
  /// more hand-around of a message whose owner is still waiting.
  std::chrono::milliseconds pause(std::chrono::milliseconds base, bool served) const noexcept {
    return yield_ ? base * (served ? served_factor : 1) : std::chrono::milliseconds{0};
  }
  static constexpr int served_factor = 3;
  int hold_seconds() const noexcept { return hold_; }

private:
  struct sighting {
    int times = 0;
    int last_count = 0;
  };
  int hold_;
  std::size_t memory_;
  std::map<std::string, sighting> seen_;
  std::deque<std::string> order_;
  bool stepping_ = false;
  bool yield_ = false;
  bool paused_ = false;                  ///< the agent paused after the last receive (yield)
  int quiet_streak_ = 0;                 ///< receives in a row with a message straight back
  std::set<std::string> last_released_;  ///< released at 0 in the last receive
};

/// Visibility for a message hookd cannot read: long, so it does not spin; the queue's redrive
/// policy (maxReceiveCount) is the operator's tool to move it to a dead-letter queue.
inline constexpr int unparseable_visibility_seconds = 6 * 3600;

} // namespace hookd::lifecycle
