// SPDX-License-Identifier: Apache-2.0
// ECS (JSON 1.1): clusters of container instances whose tasks, once the instance is DRAINING,
// pass DEACTIVATING, STOPPING and DEPROVISIONING to STOPPED over their configured time. As in ECS,
// runningTasksCount counts RUNNING tasks only, so a stopping task shows in no count.
#include "impl.hpp"

#include <algorithm>

namespace hookd::emulator {

namespace {
using steady_tp = std::chrono::steady_clock::time_point;

std::string last_status(const ecs_state::instance& ci, const ecs_state::task& t, steady_tp now) {
  if (!ci.draining_since || !t.stops_after) return "RUNNING";
  const auto share = static_cast<double>((now - *ci.draining_since).count()) /
                     static_cast<double>(std::chrono::duration_cast<std::chrono::steady_clock::duration>(*t.stops_after).count() + 1);
  if (share < 0.4) return "RUNNING";
  if (share < 0.6) return "DEACTIVATING";
  if (share < 0.8) return "STOPPING";
  if (share < 1.0) return "DEPROVISIONING";
  return "STOPPED";
}

json::object instance_json(const ecs_state::instance& ci, steady_tp now) {
  int running = 0;
  for (const auto& t : ci.tasks) running += last_status(ci, t, now) == "RUNNING" ? 1 : 0;
  return json::object{{"containerInstanceArn", ci.arn}, {"ec2InstanceId", ci.ec2_instance_id},
                      {"status", ci.draining_since ? "DRAINING" : "ACTIVE"}, {"runningTasksCount", running},
                      {"pendingTasksCount", 0}, {"agentConnected", true}};
}

std::vector<std::string> strings_of(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  if (const auto* v = o.if_contains(key); v && v->is_array())
    for (const auto& s : v->as_array())
      if (s.is_string()) out.emplace_back(s.as_string());
  return out;
}

/// `ec2InstanceId == i-…` (the one filter form hookd sends); empty for anything else.
std::string filtered_instance(const std::string& filter) {
  const auto eq = filter.find("==");
  if (filter.rfind("ec2InstanceId", 0) != 0 || eq == std::string::npos) return {};
  auto id = filter.substr(eq + 2);
  id.erase(0, id.find_first_not_of(' '));
  return id;
}

json::object page(const std::vector<std::string>& all, const json::object& body, std::string_view key) {
  const auto max = static_cast<std::size_t>(std::clamp<long long>(json_int(body, "maxResults").value_or(100), 1, 100));
  const auto first = std::strtoul(string_field(body, "nextToken").c_str(), nullptr, 10);
  json::array arns;
  for (std::size_t i = first; i < all.size() && i < first + max; ++i) arns.emplace_back(all[i]);
  json::object out{{key, std::move(arns)}};
  if (first + max < all.size()) out["nextToken"] = std::to_string(first + max);
  return out;
}
using instances = std::vector<ecs_state::instance*>;

reply ok(const json::object& o) { return reply{200, json::serialize(o), "application/x-amz-json-1.1"}; }

/// The instances `body[key]` names, by ARN or by the ARN's last part, as ECS accepts either.
instances named(const instances& in_cluster, const json::object& body, std::string_view key) {
  instances out;
  for (const auto& arn : strings_of(body, key))
    for (auto* ci : in_cluster)
      if (ci->arn == arn || ci->arn.ends_with("/" + arn)) out.push_back(ci);
  return out;
}

json::object records(const instances& list, steady_tp now) {
  json::array a;
  for (const auto* ci : list) a.push_back(instance_json(*ci, now));
  return json::object{{"containerInstances", std::move(a)}, {"failures", json::array{}}};
}

reply list_container_instances(const instances& in_cluster, bool filter_ignored, const json::object& body) {
  const auto want = filtered_instance(string_field(body, "filter"));
  std::vector<std::string> arns;
  for (const auto* ci : in_cluster)
    if (filter_ignored || want.empty() || ci->ec2_instance_id == want) arns.push_back(ci->arn);
  return ok(page(arns, body, "containerInstanceArns"));
}

reply update_state(const instances& in_cluster, const json::object& body, steady_tp now) {
  const auto status = string_field(body, "status");
  if (status != "DRAINING" && status != "ACTIVE")
    return server::impl::json_error(400, "InvalidParameterException", "status must be ACTIVE or DRAINING");
  auto list = named(in_cluster, body, "containerInstances");
  for (auto* ci : list) {
    if (status == "ACTIVE") ci->draining_since.reset();
    else if (!ci->draining_since) ci->draining_since = now;
  }
  return ok(records(list, now));
}

/// A task's desired status turns STOPPED when it starts to stop.
std::string desired_status(const ecs_state::instance& ci, const ecs_state::task& t, steady_tp now) {
  return last_status(ci, t, now) == "RUNNING" ? "RUNNING" : "STOPPED";
}

reply list_tasks(const instances& in_cluster, const json::object& body, steady_tp now) {
  const auto on = string_field(body, "containerInstance");
  const auto asked = string_field(body, "desiredStatus");
  const auto desired = asked.empty() ? std::string("RUNNING") : asked;
  std::vector<std::string> arns;
  for (const auto* ci : in_cluster)
    for (const auto& t : ci->tasks)
      if ((on.empty() || ci->arn == on) && desired_status(*ci, t, now) == desired) arns.push_back(t.arn);
  return ok(page(arns, body, "taskArns"));
}

reply describe_tasks(const instances& in_cluster, const json::object& body, steady_tp now) {
  json::array tasks;
  for (const auto& arn : strings_of(body, "tasks"))
    for (const auto* ci : in_cluster)
      for (const auto& t : ci->tasks)
        if (t.arn == arn)
          tasks.push_back(json::object{{"taskArn", t.arn}, {"containerInstanceArn", ci->arn},
                                       {"lastStatus", last_status(*ci, t, now)}, {"desiredStatus", desired_status(*ci, t, now)}});
  return ok(json::object{{"tasks", std::move(tasks)}, {"failures", json::array{}}});
}
} // namespace

std::string server::impl::add_container_instance(const container_instance_spec& spec) {
  const auto base = "arn:aws:ecs:" + opt.region + ":" + opt.account_id + ":";
  ecs_state::instance ci{base + "container-instance/" + spec.cluster + "/" + random_hex(16), spec.cluster,
                         spec.ec2_instance_id, std::nullopt, {}};
  for (const auto& t : spec.tasks) ci.tasks.push_back({base + "task/" + spec.cluster + "/" + random_hex(16), t.stops_after});
  ecs_.instances.push_back(std::move(ci));
  return ecs_.instances.back().arn;
}

reply server::impl::ecs(const std::string& op, const json::object& body) {
  if (!take_service_token("ecs")) return json_error(400, "ThrottlingException", "Rate exceeded");
  const auto asked = string_field(body, "cluster");
  const auto cluster = asked.empty() ? std::string("default") : asked;
  const auto now = std::chrono::steady_clock::now();
  instances in_cluster;
  for (auto& ci : ecs_.instances)
    if (ci.cluster == cluster) in_cluster.push_back(&ci);
  if (in_cluster.empty()) return json_error(400, "ClusterNotFoundException", "Cluster not found.");
  if (op == "ListContainerInstances") return list_container_instances(in_cluster, ecs_.filter_ignored, body);
  if (op == "DescribeContainerInstances") return ok(records(named(in_cluster, body, "containerInstances"), now));
  if (op == "UpdateContainerInstancesState") return update_state(in_cluster, body, now);
  if (op == "ListTasks") return list_tasks(in_cluster, body, now);
  if (op == "DescribeTasks") return describe_tasks(in_cluster, body, now);
  return json_error(400, "InvalidAction", "The action " + op + " is not valid for this web service.");
}

// ---- the in-process API ------------------------------------------------------------------------
std::string server::add_container_instance(const container_instance_spec& spec) {
  return impl_->add_container_instance(spec);
}

std::string server::container_instance_status(const std::string& arn) const {
  for (const auto& ci : impl_->ecs_.instances)
    if (ci.arn == arn) return ci.draining_since ? "DRAINING" : "ACTIVE";
  return {};
}

void server::set_ecs_filter_ignored(bool ignored) { impl_->ecs_.filter_ignored = ignored; }

} // namespace hookd::emulator
