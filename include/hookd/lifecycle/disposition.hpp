#pragma once
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
};

std::string_view verdict_name(verdict v);

struct decision {
  verdict what;
  std::string why; ///< one line for the log
};

/// `global_timeout(hook)` gives the hook's GlobalTimeout (Auto Scaling's default, 48 h, when unknown).
/// `sent` is the message's SentTimestamp, used when the body carries no Time.
decision decide(const notification& n, const self_identity& self, const std::set<std::string>& known_tokens,
                const std::function<std::chrono::seconds(const std::string& hook)>& global_timeout, sys_time now,
                std::optional<sys_time> sent);

/// How foreign messages are handed back. First sighting: visible again at once, so the owner gets
/// it without delay. A message this instance keeps getting back is stepped over with a growing
/// delay; and once a receive returns messages seen before (a queue that hands them out in the
/// same order every time), new foreign messages are left invisible for the receive's own
/// visibility timeout (`hold`) instead of being released, so each receive reaches further into the
/// queue and hookd cannot be livelocked behind other instances' messages.
class release_planner {
public:
  release_planner(int hold_seconds, int max_delay_seconds, std::size_t memory = 20000);

  /// The visibility to set for each foreign message of one receive (nullopt: no call needed, it
  /// stays invisible for `hold`). `made_progress`: the receive also returned something that was
  /// not a repeat (ours, or nothing at all), which ends stepping-over.
  std::vector<std::optional<int>> plan(const std::vector<std::string>& foreign_ids, bool made_progress);
  /// Times this instance has seen the message.
  int seen(const std::string& id) const;
  bool stepping_over() const noexcept { return stepping_; }

private:
  int hold_, max_delay_;
  std::size_t memory_;
  std::map<std::string, int> seen_;
  std::deque<std::string> order_;
  bool stepping_ = false;
};

/// Visibility for a message hookd cannot read: long, so it does not spin; the queue's redrive
/// policy (maxReceiveCount) is the operator's tool to move it to a dead-letter queue.
inline constexpr int unparseable_visibility_seconds = 6 * 3600;

} // namespace hookd::lifecycle
