#pragma once
// SPDX-License-Identifier: Apache-2.0
// What an SQS message body says: a lifecycle action (sent directly by Auto Scaling, wrapped in an
// SNS envelope, or as an EventBridge event), Auto Scaling's test notification, or something we
// cannot read. Pure; never throws on bad input.
#include "hookd/core/time.hpp"

#include <optional>
#include <string_view>
#include <utility>
#include <string>
#include <variant>

namespace hookd::lifecycle {

inline constexpr std::string_view terminating = "autoscaling:EC2_INSTANCE_TERMINATING";
inline constexpr std::string_view launching = "autoscaling:EC2_INSTANCE_LAUNCHING";

/// The two transitions a lifecycle hook can wait on.
enum class transition { launch, terminate };
/// From Auto Scaling's name (autoscaling:EC2_INSTANCE_TERMINATING / _LAUNCHING).
std::optional<transition> parse_transition(std::string_view aws_name);
std::string_view aws_name(transition t);
/// "terminate" / "launch": the first argument the script gets.
std::string_view transition_word(transition t);

/// Where hookd learnt of an action. Set by hookd itself, never read from a message: a queue
/// message is anyone's text, and must not make itself look like the instance's own word.
enum class action_source { queue, instance };

struct lifecycle_action {
  std::string token;
  std::string group;
  std::string hook;
  std::string instance_id;
  ::hookd::lifecycle::transition transition = transition::terminate;
  std::string metadata;   ///< NotificationMetadata, may be empty
  std::optional<sys_time> time; ///< when Auto Scaling sent it
  std::string shape;      ///< "direct", "sns" or "eventbridge": for logs
  std::string trigger = "queue"; ///< what made hookd act: queue, imds, spot, rebalance, maintenance
  /// queue: `token` is Auto Scaling's (or a forger's) opaque text, confirmed before anything runs.
  /// instance: learnt from instance metadata; no token, no single hook. `token` then holds a key
  /// of the instance, transition and event (instance_action_key), and Auto Scaling is called by
  /// instance id for every hook in `hook` (comma-separated).
  action_source source = action_source::queue;
  /// From instance metadata: the target lifecycle state the instance moves to ("Terminated",
  /// "InService", "Warmed:Stopped", ...), or the notice ("spot", ...). One transition can be
  /// several legs (a warm pool's launch into the pool, then into service): each its own action.
  std::string target;
  /// A rebalance or maintenance notice acted on in script mode: the terminate script runs, but no
  /// lifecycle transition has begun, so it is no run of the transition and completes no hook.
  bool notice = false;
  /// Warm pools: where the instance comes from and goes to ("EC2", "AutoScalingGroup",
  /// "WarmPool"), from the notification (any shape) or derived from the target lifecycle state.
  /// Empty when unknown (a group without a warm pool sends none). A message's word only: the
  /// runner checks a leg into the pool against Auto Scaling before acting on it (leg_check).
  std::string origin, destination;
  bool by_instance() const { return source == action_source::instance; }
  /// The token to send to Auto Scaling (empty for an action by instance id).
  std::string aws_token() const { return by_instance() ? std::string() : token; }
};

inline constexpr std::string_view warm_pool = "WarmPool";
inline constexpr std::string_view into_group = "AutoScalingGroup";
inline constexpr std::string_view ec2_place = "EC2";
/// The leg goes into the warm pool (Destination WarmPool).
inline bool into_warm_pool(const lifecycle_action& a) { return a.destination == warm_pool; }
/// Origin and Destination from a target lifecycle state (instance metadata) and the transition
/// hookd took it for: `Warmed:*` is into the warm pool (from EC2 on a launch, from the group on a
/// scale-in), `Warmed:Terminated` out of the pool, `InService` into the group (its origin, EC2 or
/// the pool, is not in metadata: empty), `Terminated` out of the group. Empty strings for a
/// target that says nothing of a leg (a notice, "spot").
std::pair<std::string, std::string> leg_of_target(transition t, std::string_view target);
/// Where Auto Scaling's own record (DescribeAutoScalingInstances' LifecycleState) says a waiting
/// instance goes: `Warmed:Pending*` into the warm pool, `Pending*` into the group,
/// `Terminating*`/`Warmed:Terminating*` out to EC2. Empty for any other state (not waiting).
std::string destination_of_state(std::string_view lifecycle_state);
/// Whether a Place (Origin/Destination value) is one AWS sends: EC2, AutoScalingGroup, WarmPool.
bool known_place(std::string_view place);

/// The key of an instance action: instance, transition word and event ("Terminated", "spot", a
/// warm-pool state, "rebalance:<time>"...). Readable in logs; its source is kept apart (action_key).
inline std::string instance_action_key(const std::string& instance_id, std::string_view word, std::string_view event) {
  return "instance:" + instance_id + ":" + std::string(word) + ":" + std::string(event);
}

/// The name hookd keeps an action by (running, done, journal): its source, then its token. A queue
/// token that spells an instance key is still a queue action's, and never shares its name.
inline std::string queue_key(std::string_view token) { return "q:" + std::string(token); }
/// An instance action's name, from its parts (action_key of that action).
inline std::string instance_key(const std::string& instance_id, std::string_view word, std::string_view event) {
  return "i:" + instance_action_key(instance_id, word, event);
}
inline std::string action_key(const lifecycle_action& a) {
  return a.by_instance() ? "i:" + a.token : queue_key(a.token);
}

struct test_notification {
  std::string group;
};

struct unparseable {
  std::string reason; ///< one line, without the body (it may be large or hostile)
};

/// An EventBridge notice from EC2 routed to the queue: "EC2 Spot Instance Interruption Warning"
/// (kind "spot") or "EC2 Instance Rebalance Recommendation" (kind "rebalance").
struct ec2_notice {
  std::string kind;
  std::string instance_id;
  std::string action; ///< spot: terminate, stop or hibernate
};

using notification = std::variant<lifecycle_action, test_notification, unparseable, ec2_notice>;

notification parse_notification(std::string_view body);


} // namespace hookd::lifecycle
