// SPDX-License-Identifier: Apache-2.0
// Auto Scaling's answers read and its errors sorted: no I/O (autoscaling.cpp holds the client).
#include "hookd/aws/autoscaling.hpp"

#include <algorithm>
#include <set>

#include <boost/property_tree/ptree.hpp>

namespace hookd::aws {
namespace pt = boost::property_tree;

namespace {
constexpr int max_global_timeout = 172800; // 48 hours, Auto Scaling's own limit

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

} // namespace hookd::aws
