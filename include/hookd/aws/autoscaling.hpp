#pragma once
// SPDX-License-Identifier: Apache-2.0
// Auto Scaling over the query protocol (Action=...&Version=2011-01-01, XML replies read with
// Boost.PropertyTree), only the operations hookd uses. Pure encoding/parsing + a thin client.
#include "hookd/aws/caller.hpp"
#include "hookd/aws/query.hpp"

#include <optional>
#include <string>
#include <vector>

namespace hookd::aws {

struct lifecycle_hook {
  std::string name;
  std::string group;
  std::string transition;          ///< autoscaling:EC2_INSTANCE_TERMINATING | _LAUNCHING
  std::string notification_target; ///< ARN (the SQS queue)
  std::string role_arn;
  std::string metadata;
  int heartbeat_timeout = 3600;    ///< seconds, 30-7200
  int global_timeout = 0;          ///< seconds; min(100 x heartbeat, 172800)
  std::string default_result = "ABANDON";
};

struct asg_instance {
  std::string instance_id, group, lifecycle_state, health_status, availability_zone;
};

outcome<std::vector<lifecycle_hook>> parse_describe_lifecycle_hooks(std::string_view xml);
outcome<std::vector<asg_instance>> parse_describe_autoscaling_instances(std::string_view xml);

/// True for the answer that means the action is over (completed, timed out, or never existed):
/// `ValidationError` "No active Lifecycle Action found ...". Retrying it is pointless.
bool is_no_active_action(const error& e);
/// Auto Scaling (or anything before it) said "slow down": worth retrying, however often.
bool is_throttling(const error& e);
/// Auto Scaling's answer about the action a call names (a `ValidationError`): "no active action"
/// (over, never there, or a token of another instance: AWS and the emulator answer a token sent
/// with an instance it does not belong to this way), a malformed token, an unknown group or hook.
/// Only such an answer may refuse an action; anything else says nothing about it.
bool is_about_action(const error& e);
/// An answer about the action that waiting will not change: is_about_action, but not "no active
/// action" (which can precede an action's activation by a moment). Never AccessDenied: a policy
/// being edited or credentials rotating refuse for a while, then pass.
bool is_permanent(const error& e);
/// hookd's credentials were refused (AccessDenied, UnauthorizedOperation, InvalidClientTokenId,
/// any 403): the fix is in the instance role's policy, and the answer says nothing about the action.
bool is_access_denied(const error& e);
/// Errors retried for as long as the action lives, using up no rounds: throttling (a fleet's
/// calls share one rate) and access refusals (a policy change takes minutes to spread).
bool retries_until_deadline(const error& e);

class autoscaling_client {
public:
  autoscaling_client(caller& c, resolved_endpoint ep);

  boost::asio::awaitable<outcome<void>> put_lifecycle_hook(const lifecycle_hook& hook);
  boost::asio::awaitable<outcome<std::vector<lifecycle_hook>>> describe_lifecycle_hooks(
      const std::string& group, const std::vector<std::string>& names = {});
  boost::asio::awaitable<outcome<std::optional<asg_instance>>> describe_instance(const std::string& instance_id);
  /// By token, by instance id, or both (Auto Scaling then checks that they belong together).
  boost::asio::awaitable<outcome<void>> record_heartbeat(const std::string& group, const std::string& hook,
                                                         const std::string& token, const std::string& instance_id);
  boost::asio::awaitable<outcome<void>> complete_action(const std::string& group, const std::string& hook,
                                                        const std::string& result, const std::string& token,
                                                        const std::string& instance_id);

private:
  boost::asio::awaitable<outcome<aws_response>> invoke(std::string action,
                                                       std::vector<std::pair<std::string, std::string>> params);
  caller& caller_;
  resolved_endpoint ep_;
};

} // namespace hookd::aws
