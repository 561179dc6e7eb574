// SPDX-License-Identifier: Apache-2.0
#include "hookd/aws/autoscaling.hpp"

#include <algorithm>
#include <set>

#include <boost/property_tree/ptree.hpp>

namespace hookd::aws {
namespace pt = boost::property_tree;
namespace net = boost::asio;


autoscaling_client::autoscaling_client(caller& c, resolved_endpoint ep) : caller_(c), ep_(std::move(ep)) {}

net::awaitable<outcome<aws_response>> autoscaling_client::invoke(std::string action,
                                                                 std::vector<std::pair<std::string, std::string>> params) {
  aws_request req;
  req.svc = service::autoscaling;
  req.operation = action;
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  req.body = query_form(action, params);
  req.proto = protocol::xml;
  co_return co_await caller_.call(ep_, std::move(req));
}

net::awaitable<outcome<void>> autoscaling_client::put_lifecycle_hook(const lifecycle_hook& h) {
  std::vector<std::pair<std::string, std::string>> p{{"AutoScalingGroupName", h.group},
                                                     {"LifecycleHookName", h.name},
                                                     {"LifecycleTransition", h.transition},
                                                     {"HeartbeatTimeout", std::to_string(h.heartbeat_timeout)},
                                                     {"DefaultResult", h.default_result}};
  if (!h.notification_target.empty()) p.emplace_back("NotificationTargetARN", h.notification_target);
  if (!h.role_arn.empty()) p.emplace_back("RoleARN", h.role_arn);
  if (!h.metadata.empty()) p.emplace_back("NotificationMetadata", h.metadata);
  auto r = co_await invoke(std::string("PutLifecycleHook"), std::move(p));
  if (!r) co_return r.error();
  co_return outcome<void>{};
}

net::awaitable<outcome<std::vector<lifecycle_hook>>> autoscaling_client::describe_lifecycle_hooks(
    const std::string& group, const std::vector<std::string>& names) {
  std::vector<std::pair<std::string, std::string>> p{{"AutoScalingGroupName", group}};
  for (std::size_t i = 0; i < names.size(); ++i)
    p.emplace_back("LifecycleHookNames.member." + std::to_string(i + 1), names[i]);
  auto r = co_await invoke(std::string("DescribeLifecycleHooks"), std::move(p));
  if (!r) co_return r.error();
  co_return parse_describe_lifecycle_hooks(r->body);
}

net::awaitable<outcome<std::optional<asg_instance>>> autoscaling_client::describe_instance(const std::string& instance_id) {
  std::vector<std::pair<std::string, std::string>> p{{"InstanceIds.member.1", instance_id}};
  auto r = co_await invoke(std::string("DescribeAutoScalingInstances"), std::move(p));
  if (!r) co_return r.error();
  auto list = parse_describe_autoscaling_instances(r->body);
  if (!list) co_return list.error();
  for (auto& i : *list)
    if (i.instance_id == instance_id) co_return std::optional<asg_instance>(std::move(i));
  co_return std::optional<asg_instance>{};
}

net::awaitable<outcome<void>> autoscaling_client::record_heartbeat(const std::string& group, const std::string& hook,
                                                                   const std::string& token,
                                                                   const std::string& instance_id) {
  std::vector<std::pair<std::string, std::string>> p{{"AutoScalingGroupName", group}, {"LifecycleHookName", hook}};
  // Both when both are known: Auto Scaling then refuses a token that belongs to another instance.
  if (!token.empty()) p.emplace_back("LifecycleActionToken", token);
  if (!instance_id.empty()) p.emplace_back("InstanceId", instance_id);
  auto r = co_await invoke(std::string("RecordLifecycleActionHeartbeat"), std::move(p));
  if (!r) co_return r.error();
  co_return outcome<void>{};
}

net::awaitable<outcome<void>> autoscaling_client::complete_action(const std::string& group, const std::string& hook,
                                                                  const std::string& result, const std::string& token,
                                                                  const std::string& instance_id) {
  std::vector<std::pair<std::string, std::string>> p{
      {"AutoScalingGroupName", group}, {"LifecycleHookName", hook}, {"LifecycleActionResult", result}};
  // Both when both are known: Auto Scaling then refuses a token that belongs to another instance.
  if (!token.empty()) p.emplace_back("LifecycleActionToken", token);
  if (!instance_id.empty()) p.emplace_back("InstanceId", instance_id);
  auto r = co_await invoke(std::string("CompleteLifecycleAction"), std::move(p));
  if (!r) co_return r.error();
  co_return outcome<void>{};
}

} // namespace hookd::aws
