// SPDX-License-Identifier: Apache-2.0
// The control commands of the drains' services (the HTTP control API under /_emulator/, which
// `make demo` drives): target groups with their registrations, container instances with tasks
// that stop over time, the account's request budget for each service, and the requests counted
// by action. The in-process API beside them.
#include "impl.hpp"

#include <algorithm>

namespace hookd::emulator {

namespace {
// The longest time a control command may set for a target's draining or a task's stopping: an hour.
constexpr long long max_control_ms = 3'600'000;

std::optional<std::chrono::milliseconds> control_ms(const json::object& a, std::string_view key) {
  auto v = json_int(a, key);
  if (!v) return std::nullopt;
  return std::chrono::milliseconds(std::clamp(*v, 0LL, max_control_ms));
}

/// {"name", "target_type", "port", "deregistration_delay", "draining_ms", "targets": [{"id", "port"}], "tags": {}}
outcome<target_group_spec> target_group_of(const json::object& a) {
  target_group_spec g;
  g.name = string_field(a, "name");
  if (g.name.empty()) return make_error(errc::invalid_input, "control 'target-group': 'name' is required");
  if (auto t = string_field(a, "target_type"); !t.empty()) g.target_type = t;
  if (g.target_type != "instance" && g.target_type != "ip" && g.target_type != "lambda")
    return make_error(errc::invalid_input, "control 'target-group': target_type must be instance, ip or lambda");
  g.port = static_cast<int>(json_int(a, "port").value_or(80));
  g.deregistration_delay_s = static_cast<int>(std::clamp(json_int(a, "deregistration_delay").value_or(300), 0LL, 3600LL));
  g.draining_for = control_ms(a, "draining_ms");
  if (const auto* tags = a.if_contains("tags"); tags && tags->is_object())
    for (const auto& [k, v] : tags->as_object())
      if (v.is_string()) g.tags[std::string(k)] = std::string(v.as_string());
  if (const auto* list = a.if_contains("targets"); list && list->is_array())
    for (const auto& t : list->as_array()) {
      if (!t.is_object() || string_field(t.as_object(), "id").empty())
        return make_error(errc::invalid_input, "control 'target-group': each target is {\"id\": ..., \"port\": ...}");
      g.targets.push_back({string_field(t.as_object(), "id"), static_cast<int>(json_int(t.as_object(), "port").value_or(g.port))});
    }
  return g;
}

/// {"cluster", "ec2_instance_id", "tasks": [{"stops_after_ms": N}, {}]}: a task without stops_after_ms never stops.
outcome<container_instance_spec> container_instance_of(const json::object& a) {
  container_instance_spec ci;
  if (auto c = string_field(a, "cluster"); !c.empty()) ci.cluster = c;
  ci.ec2_instance_id = string_field(a, "ec2_instance_id");
  if (ci.ec2_instance_id.empty()) return make_error(errc::invalid_input, "control 'container-instance': 'ec2_instance_id' is required");
  if (const auto* list = a.if_contains("tasks"); list && list->is_array())
    for (const auto& t : list->as_array()) {
      if (!t.is_object()) return make_error(errc::invalid_input, "control 'container-instance': each task is {\"stops_after_ms\": N} or {}");
      ci.tasks.push_back({control_ms(t.as_object(), "stops_after_ms")});
    }
  return ci;
}

json::object counts_json(const request_counts& counts) {
  json::array out;
  for (const auto& [what, n] : counts)
    out.push_back(json::object{{"service", what.first}, {"action", what.second}, {"calls", n.calls}, {"throttled", n.throttled}});
  return json::object{{"requests", std::move(out)}};
}
} // namespace

bool server::impl::take_service_token(const std::string& svc) {
  auto it = service_buckets.find(svc);
  return it == service_buckets.end() || it->second.take(steady::now());
}

void server::impl::set_service_rate(const std::string& svc, double per_second, double burst) {
  auto& b = service_buckets[svc];
  b.rate = per_second;
  b.burst = b.tokens = burst;
  b.last = steady::now();
}

void server::impl::count_request(const recorded_call& c) {
  const bool throttled = c.error_code == "Throttling" || c.error_code == "ThrottlingException";
  for (const auto& key : {std::string(), c.access_key_id}) {
    auto& n = counted_requests[key][{c.service, c.operation}];
    ++n.calls;
    n.throttled += throttled ? 1 : 0;
    if (c.access_key_id.empty()) break; // unsigned (metadata): counted once, under every caller
  }
}

std::optional<outcome<json::object>> server::impl::drain_control(const std::string& cmd, const json::object& a) {
  if (cmd == "target-group") {
    auto g = target_group_of(a);
    if (!g) return outcome<json::object>(g.error());
    return json::object{{"arn", add_target_group(*g)}};
  }
  if (cmd == "targets") { // {"arn"}: its registrations now
    json::array out;
    for (const auto& t : target_views(string_field(a, "arn")))
      out.push_back(json::object{{"id", t.id}, {"port", t.port}, {"state", t.state}});
    return json::object{{"targets", std::move(out)}};
  }
  if (cmd == "container-instance") {
    auto ci = container_instance_of(a);
    if (!ci) return outcome<json::object>(ci.error());
    return json::object{{"arn", add_container_instance(*ci)}};
  }
  if (cmd == "container-instance-status") { // {"arn"}: ACTIVE or DRAINING
    for (const auto& ci : ecs_.instances)
      if (ci.arn == string_field(a, "arn")) return json::object{{"status", ci.draining_since ? "DRAINING" : "ACTIVE"}};
    return outcome<json::object>(make_error(errc::not_found, "control 'container-instance-status': no container instance with that arn"));
  }
  if (cmd == "service-rate") { // {"service": "elasticloadbalancing" | "ecs", "per_second", "burst"}
    const auto svc = string_field(a, "service");
    if (svc != "elasticloadbalancing" && svc != "ecs")
      return outcome<json::object>(make_error(errc::invalid_input, "control 'service-rate': service must be elasticloadbalancing or ecs"));
    set_service_rate(svc, static_cast<double>(json_int(a, "per_second").value_or(0)),
                     static_cast<double>(json_int(a, "burst").value_or(0)));
    return json::object{{"ok", true}};
  }
  if (cmd == "requests") { // {"access_key_id"}: one caller's; none: everybody's
    auto it = counted_requests.find(string_field(a, "access_key_id"));
    return counts_json(it == counted_requests.end() ? emulator::request_counts{} : it->second);
  }
  return std::nullopt;
}

json::object server::impl::drain_snapshot() {
  json::object groups_json;
  for (const auto& g : elb.groups) {
    json::array held;
    for (const auto& t : target_views(g.arn)) held.push_back(json::object{{"id", t.id}, {"port", t.port}, {"state", t.state}});
    groups_json[g.spec.name] = std::move(held);
  }
  json::array instances_json;
  for (const auto& ci : ecs_.instances)
    instances_json.push_back(json::object{{"cluster", ci.cluster}, {"ec2_instance_id", ci.ec2_instance_id},
                                          {"status", ci.draining_since ? "DRAINING" : "ACTIVE"}, {"tasks", ci.tasks.size()}});
  return json::object{{"target_groups", std::move(groups_json)}, {"container_instances", std::move(instances_json)}};
}

// ---- the in-process API ------------------------------------------------------------------------
void server::set_service_rate(const std::string& service, double per_second, double burst) {
  impl_->set_service_rate(service, per_second, burst);
}

request_counts server::requests(const std::string& access_key_id) const {
  auto it = impl_->counted_requests.find(access_key_id);
  return it == impl_->counted_requests.end() ? request_counts{} : it->second;
}

} // namespace hookd::emulator
