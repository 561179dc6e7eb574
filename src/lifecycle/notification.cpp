// SPDX-License-Identifier: Apache-2.0
#include "hookd/lifecycle/notification.hpp"

#include "hookd/core/json.hpp"

#include <boost/json.hpp>

namespace hookd::lifecycle {
namespace json = boost::json;

namespace {
/// Origin or Destination, when it is a place AWS names; anything else (a forged or future value)
/// is no leg hookd knows, and reads as none.
std::string place_field(const json::object& o, std::string_view key) {
  auto v = string_field(o, key);
  return known_place(v) ? v : std::string();
}

notification from_fields(const json::object& o, std::string shape, std::optional<sys_time> time) {
  // TEST_NOTIFICATION has no instance or token; tools that crashed on it are the reason this check comes first.
  if (string_field(o, "Event") == "autoscaling:TEST_NOTIFICATION" || string_field(o, "LifecycleTransition") == "autoscaling:TEST_NOTIFICATION")
    return test_notification{string_field(o, "AutoScalingGroupName")};
  lifecycle_action a;
  a.token = string_field(o, "LifecycleActionToken");
  a.group = string_field(o, "AutoScalingGroupName");
  a.hook = string_field(o, "LifecycleHookName");
  a.instance_id = string_field(o, "EC2InstanceId");
  auto transition_name = string_field(o, "LifecycleTransition");
  a.metadata = string_field(o, "NotificationMetadata");
  a.origin = place_field(o, "Origin");
  a.destination = place_field(o, "Destination");
  a.shape = std::move(shape);
  a.time = time;
  if (!a.time)
    if (auto t = parse_iso8601(string_field(o, "Time")); t) a.time = *t;
  std::string missing;
  for (auto [name, value] : {std::pair{"LifecycleActionToken", &a.token}, {"AutoScalingGroupName", &a.group},
                             {"LifecycleHookName", &a.hook}, {"EC2InstanceId", &a.instance_id},
                             {"LifecycleTransition", &transition_name}})
    if (value->empty()) missing += (missing.empty() ? "" : ", ") + std::string(name);
  if (!missing.empty()) return unparseable{a.shape + " lifecycle notification without " + missing};
  const auto t = parse_transition(transition_name);
  if (!t) return unparseable{"unknown LifecycleTransition '" + transition_name.substr(0, 80) + "'"};
  a.transition = *t;
  return a;
}

notification parse_object(const json::object& o, int depth) {
  // SNS envelope: the notification is the string in "Message".
  if (string_field(o, "Type") == "Notification" && o.contains("Message")) {
    if (depth > 0) return unparseable{"SNS envelope nested in an SNS envelope"};
    const auto message = string_field(o, "Message");
    boost::system::error_code ec;
    auto inner = json::parse(message, ec);
    if (ec || !inner.is_object()) return unparseable{"SNS envelope whose Message is not a JSON object"};
    auto n = parse_object(inner.as_object(), depth + 1);
    if (auto* a = std::get_if<lifecycle_action>(&n)) a->shape = "sns";
    return n;
  }
  // EventBridge: the fields are in "detail".
  if (string_field(o, "source") == "aws.autoscaling" && o.contains("detail")) {
    const auto* d = o.if_contains("detail");
    if (!d->is_object()) return unparseable{"EventBridge event whose detail is not an object"};
    std::optional<sys_time> time;
    if (auto t = parse_iso8601(string_field(o, "time")); t) time = *t;
    const auto type = string_field(o, "detail-type");
    if (type != "EC2 Instance-terminate Lifecycle Action" && type != "EC2 Instance-launch Lifecycle Action")
      return unparseable{"EventBridge event of type '" + type.substr(0, 80) + "', not a lifecycle action"};
    return from_fields(d->as_object(), "eventbridge", time);
  }
  // EC2's own notices, which an operator may route to the same queue.
  if (string_field(o, "source") == "aws.ec2" && o.contains("detail")) {
    const auto type = string_field(o, "detail-type");
    const auto* d = o.if_contains("detail");
    if (!d->is_object()) return unparseable{"EventBridge event whose detail is not an object"};
    ec2_notice n{"", string_field(d->as_object(), "instance-id"), string_field(d->as_object(), "instance-action")};
    if (type == "EC2 Spot Instance Interruption Warning") n.kind = "spot";
    else if (type == "EC2 Instance Rebalance Recommendation") n.kind = "rebalance";
    else return unparseable{"EventBridge event of type '" + type.substr(0, 80) + "', not a lifecycle action or notice"};
    if (n.instance_id.empty()) return unparseable{"EC2 " + n.kind + " notice without detail.instance-id"};
    return n;
  }
  return from_fields(o, "direct", std::nullopt);
}
} // namespace

notification parse_notification(std::string_view body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec) return unparseable{"body is not JSON (" + ec.message() + ")"};
  if (!v.is_object()) return unparseable{"body is JSON but not an object"};
  return parse_object(v.as_object(), 0);
}

std::optional<transition> parse_transition(std::string_view name) {
  if (name == terminating) return transition::terminate;
  if (name == launching) return transition::launch;
  return std::nullopt;
}

std::string_view aws_name(transition t) { return t == transition::terminate ? terminating : launching; }

bool known_place(std::string_view place) { return place == ec2_place || place == into_group || place == warm_pool; }

std::pair<std::string, std::string> leg_of_target(transition t, std::string_view target) {
  const auto pair = [](std::string_view from, std::string_view to) { return std::pair{std::string(from), std::string(to)}; };
  if (target == "Warmed:Terminated") return pair(warm_pool, ec2_place);
  if (target.starts_with("Warmed:")) return pair(t == transition::terminate ? into_group : ec2_place, warm_pool);
  if (target == "InService") return pair("", into_group);
  if (target == "Terminated") return pair(into_group, ec2_place);
  return pair("", "");
}

std::string destination_of_state(std::string_view state) {
  if (state.starts_with("Warmed:Pending")) return std::string(warm_pool);
  if (state.starts_with("Pending")) return std::string(into_group);
  if (state.starts_with("Terminating") || state.starts_with("Warmed:Terminating")) return std::string(ec2_place);
  return {};
}

std::string_view transition_word(transition t) { return t == transition::terminate ? "terminate" : "launch"; }

} // namespace hookd::lifecycle
