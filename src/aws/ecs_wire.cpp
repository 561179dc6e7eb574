// SPDX-License-Identifier: Apache-2.0
// ECS answers read: no I/O (ecs.cpp holds the client).
#include "hookd/aws/ecs.hpp"

#include "hookd/core/json.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace hookd::aws {
namespace json = boost::json;

namespace {

outcome<json::object> parse_object(std::string_view body, std::string_view what) {
  if (auto o = json_object(body)) return std::move(*o);
  return make_error(errc::protocol_error, "ECS " + std::string(what) + " returned a body that is not a JSON object");
}

/// A count as ECS writes it; anything that is not a non-negative integer reads as 1, so a
/// malformed answer keeps a drain waiting rather than ending it early.
int count_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return 0;
  if (v->is_int64()) return static_cast<int>(std::clamp<std::int64_t>(v->as_int64(), 0, 1'000'000));
  if (v->is_uint64()) return static_cast<int>(std::min<std::uint64_t>(v->as_uint64(), 1'000'000));
  return 1;
}


/// The array under `key`, or an empty one (absent, null or not an array).
const json::array& array_field(const json::object& o, std::string_view key) {
  static const json::array empty;
  const auto* v = o.if_contains(key);
  return v && v->is_array() ? v->as_array() : empty;
}
} // namespace

outcome<arn_page> parse_ecs_arn_page(std::string_view body, std::string_view key) {
  auto o = parse_object(body, key == "taskArns" ? "ListTasks" : "ListContainerInstances");
  if (!o) return o.error();
  arn_page page;
  for (const auto& v : array_field(*o, key))
    if (v.is_string() && !v.as_string().empty()) page.arns.emplace_back(v.as_string());
  page.next_token = string_field(*o, "nextToken");
  return page;
}

outcome<std::vector<container_instance>> parse_container_instances(std::string_view body) {
  auto o = parse_object(body, "DescribeContainerInstances");
  if (!o) return o.error();
  std::vector<container_instance> out;
  for (const auto& v : array_field(*o, "containerInstances")) {
    if (!v.is_object()) continue;
    const auto& c = v.as_object();
    container_instance ci{string_field(c, "containerInstanceArn"), string_field(c, "ec2InstanceId"),
                          string_field(c, "status"), count_field(c, "runningTasksCount"),
                          count_field(c, "pendingTasksCount")};
    if (!ci.arn.empty()) out.push_back(std::move(ci));
  }
  return out;
}

outcome<std::vector<ecs_task>> parse_ecs_tasks(std::string_view body) {
  auto o = parse_object(body, "DescribeTasks");
  if (!o) return o.error();
  std::vector<ecs_task> out;
  for (const auto& v : array_field(*o, "tasks")) {
    if (!v.is_object()) continue;
    const auto& t = v.as_object();
    ecs_task task{string_field(t, "taskArn"), string_field(t, "containerInstanceArn"), string_field(t, "lastStatus"),
                  string_field(t, "desiredStatus")};
    if (!task.arn.empty()) out.push_back(std::move(task));
  }
  return out;
}

} // namespace hookd::aws
