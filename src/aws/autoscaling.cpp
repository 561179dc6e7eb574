// SPDX-License-Identifier: Apache-2.0
#include "hookd/aws/autoscaling.hpp"

#include <algorithm>
#include <set>

#include <boost/property_tree/ptree.hpp>

namespace hookd::aws {
namespace {
constexpr int max_global_timeout = 172800; // 48 hours, Auto Scaling's own limit
} // namespace
namespace pt = boost::property_tree;
namespace net = boost::asio;

namespace {
outcome<pt::ptree> read_xml(std::string_view xml, const char* what) { return read_query_xml(xml, "Auto Scaling", what); }
} // namespace

outcome<std::vector<lifecycle_hook>> parse_describe_lifecycle_hooks(std::string_view xml) {
  auto tree = read_xml(xml, "DescribeLifecycleHooks");
  if (!tree) return tree.error();
  std::vector<lifecycle_hook> out;
  auto hooks = tree->get_child_optional("DescribeLifecycleHooksResponse.DescribeLifecycleHooksResult.LifecycleHooks");
  if (!hooks) return out;
  for (const auto& [tag, m] : *hooks) {
    if (tag != "member") continue;
    lifecycle_hook h;
    h.name = m.get<std::string>("LifecycleHookName", "");
    h.group = m.get<std::string>("AutoScalingGroupName", "");
    h.transition = m.get<std::string>("LifecycleTransition", "");
    h.notification_target = m.get<std::string>("NotificationTargetARN", "");
    h.role_arn = m.get<std::string>("RoleARN", "");
    h.metadata = m.get<std::string>("NotificationMetadata", "");
    // Auto Scaling allows at most 7200 and 172800 seconds; an answer past that (a faulty
    // endpoint) is held to it, so that 100 * HeartbeatTimeout, and the milliseconds made of
    // either, stay within an int.
    h.heartbeat_timeout = std::clamp(m.get<int>("HeartbeatTimeout", 3600), 0, max_global_timeout);
    h.global_timeout = std::clamp(m.get<int>("GlobalTimeout", std::min(100 * h.heartbeat_timeout, max_global_timeout)), 0,
                                  max_global_timeout);
    h.default_result = m.get<std::string>("DefaultResult", "ABANDON");
    out.push_back(std::move(h));
  }
  return out;
}

outcome<std::vector<asg_instance>> parse_describe_autoscaling_instances(std::string_view xml) {
  auto tree = read_xml(xml, "DescribeAutoScalingInstances");
  if (!tree) return tree.error();
  std::vector<asg_instance> out;
  auto list = tree->get_child_optional(
      "DescribeAutoScalingInstancesResponse.DescribeAutoScalingInstancesResult.AutoScalingInstances");
  if (!list) return out;
  for (const auto& [tag, m] : *list) {
    if (tag != "member") continue;
    out.push_back({m.get<std::string>("InstanceId", ""), m.get<std::string>("AutoScalingGroupName", ""),
                   m.get<std::string>("LifecycleState", ""), m.get<std::string>("HealthStatus", ""),
                   m.get<std::string>("AvailabilityZone", "")});
  }
  return out;
}

bool is_no_active_action(const error& e) {
  return e.aws_code == "ValidationError" && e.context.find("No active Lifecycle Action") != std::string::npos;
}

bool is_throttling(const error& e) {
  static const std::set<std::string, std::less<>> codes{"Throttling", "ThrottlingException", "RequestLimitExceeded",
                                                        "TooManyRequestsException", "RequestThrottled", "SlowDown",
                                                        "RequestThrottledException", "ProvisionedThroughputExceededException"};
  return codes.count(e.aws_code) > 0 || e.http_status == 429;
}

bool is_about_action(const error& e) {
  // Every parameter but our instance id and the result comes from the message; a ValidationError
  // is Auto Scaling's finding about them. Nothing else it answers (access, throttling, 5xx) is.
  return e.aws_code == "ValidationError";
}

bool is_permanent(const error& e) { return is_about_action(e) && !is_no_active_action(e); }

bool is_access_denied(const error& e) {
  static const std::set<std::string, std::less<>> codes{"AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
                                                        "InvalidClientTokenId", "UnrecognizedClientException",
                                                        "SignatureDoesNotMatch", "IncompleteSignature", "MissingAuthenticationToken",
                                                        "OptInRequired"};
  return codes.count(e.aws_code) > 0 || e.http_status == 403;
}

bool retries_until_deadline(const error& e) { return is_throttling(e) || is_access_denied(e); }

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
