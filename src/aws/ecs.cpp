// SPDX-License-Identifier: Apache-2.0
#include "hookd/aws/ecs.hpp"

#include "hookd/core/json.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace hookd::aws {
namespace json = boost::json;
namespace net = boost::asio;

namespace {
constexpr std::string_view target_prefix = "AmazonEC2ContainerServiceV20141113.";
json::array strings(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}
} // namespace

ecs_client::ecs_client(caller& c, resolved_endpoint ep) : caller_(c), ep_(std::move(ep)) {}

net::awaitable<outcome<aws_response>> ecs_client::invoke(std::string action, std::string body) {
  aws_request req;
  req.svc = service::ecs;
  req.operation = action;
  req.headers = {{"Content-Type", "application/x-amz-json-1.1"}, {"X-Amz-Target", std::string(target_prefix) + action}};
  req.body = std::move(body);
  req.proto = protocol::json;
  co_return co_await caller_.call(ep_, std::move(req));
}

net::awaitable<outcome<arn_page>> ecs_client::list_container_instances(const std::string& cluster,
                                                                       const std::string& filter,
                                                                       const std::string& next_token) {
  json::object o{{"cluster", cluster}, {"filter", filter}, {"maxResults", ecs_max_per_call}};
  if (!next_token.empty()) o["nextToken"] = next_token;
  auto r = co_await invoke(std::string("ListContainerInstances"), json::serialize(o));
  if (!r) co_return r.error();
  co_return parse_ecs_arn_page(r->body, "containerInstanceArns");
}

net::awaitable<outcome<std::vector<container_instance>>> ecs_client::describe_container_instances(
    const std::string& cluster, const std::vector<std::string>& arns) {
  const json::object o{{"cluster", cluster}, {"containerInstances", strings(arns)}};
  auto r = co_await invoke(std::string("DescribeContainerInstances"), json::serialize(o));
  if (!r) co_return r.error();
  co_return parse_container_instances(r->body);
}

net::awaitable<outcome<std::vector<container_instance>>> ecs_client::set_draining(const std::string& cluster,
                                                                                  const std::vector<std::string>& arns) {
  const json::object o{{"cluster", cluster}, {"containerInstances", strings(arns)}, {"status", "DRAINING"}};
  auto r = co_await invoke(std::string("UpdateContainerInstancesState"), json::serialize(o));
  if (!r) co_return r.error();
  co_return parse_container_instances(r->body);
}

net::awaitable<outcome<arn_page>> ecs_client::list_tasks(const std::string& cluster, const std::string& container_instance_arn,
                                                         const std::string& desired_status, const std::string& next_token) {
  json::object o{{"cluster", cluster},
                 {"containerInstance", container_instance_arn},
                 {"desiredStatus", desired_status},
                 {"maxResults", ecs_max_per_call}};
  if (!next_token.empty()) o["nextToken"] = next_token;
  auto r = co_await invoke(std::string("ListTasks"), json::serialize(o));
  if (!r) co_return r.error();
  co_return parse_ecs_arn_page(r->body, "taskArns");
}

net::awaitable<outcome<std::vector<ecs_task>>> ecs_client::describe_tasks(const std::string& cluster,
                                                                           const std::vector<std::string>& arns) {
  if (arns.size() > ecs_max_per_call)
    co_return make_error(errc::invalid_input,
                         "ECS DescribeTasks takes at most 100 tasks a call, not " + std::to_string(arns.size()));
  const json::object o{{"cluster", cluster}, {"tasks", strings(arns)}};
  auto r = co_await invoke(std::string("DescribeTasks"), json::serialize(o));
  if (!r) co_return r.error();
  co_return parse_ecs_tasks(r->body);
}

} // namespace hookd::aws
