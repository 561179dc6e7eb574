// SPDX-License-Identifier: Apache-2.0
// The fleet bench's drain pass: the fleet on the shuffled queue with --drain elbv2,ecs. Every
// instance is registered in two of G target groups (by id, or by its private IP in an `ip`
// group; three registrations) and has an ECS container instance with three tasks; K instances
// are scaled in at once, under the emulator's ELBv2 and ECS request budgets. Prints the
// describe/deregister requests per drained instance beside their bound (support/fleet_drains.hpp),
// and checks: every action completed once with CONTINUE, every drain ok, every drained instance
// deregistered exactly its own registrations (the others none), its container instance DRAINING,
// and its answered requests within the bound (throttled attempts are printed, not bounded: a
// throttled call is sent again until the drain's deadline).
#include "fleet_run.hpp"

#include <algorithm>
#include <cstdio>

namespace hookd::fleet {

namespace {
std::string private_ip_of(std::size_t k) {
  return "10.1." + std::to_string(k / 250) + "." + std::to_string(k % 250 + 2);
}

/// One instance's ELBv2 or ECS requests: answered, and refused for the rate.
struct drain_requests {
  std::size_t answered = 0, throttled = 0;
};

drain_requests requests_of(const emulator::request_counts& counts, const std::string& service) {
  drain_requests r;
  for (const auto& [what, n] : counts)
    if (what.first == service) {
      r.answered += n.calls - n.throttled;
      r.throttled += n.throttled;
    }
  return r;
}

/// What the successful DeregisterTargets calls named, by the instance whose agent sent them.
std::map<std::string, std::vector<registration>> deregistrations(const std::vector<emulator::recorded_call>& calls,
                                                                 const std::map<std::string, std::string>& instance_of_key,
                                                                 const std::map<std::string, std::size_t>& group_of_arn) {
  std::map<std::string, std::vector<registration>> out;
  for (const auto& c : calls) {
    if (c.status != 200 || !instance_of_key.count(c.access_key_id)) continue;
    const auto* arn = c.params.if_contains("TargetGroupArn");
    const auto g = arn && arn->is_string() ? group_of_arn.find(std::string(arn->as_string())) : group_of_arn.end();
    if (g == group_of_arn.end()) continue;
    auto& into = out[instance_of_key.at(c.access_key_id)];
    for (int n = 1;; ++n) {
      const auto head = "Targets.member." + std::to_string(n);
      const auto* id = c.params.if_contains(head + ".Id");
      if (!id || !id->is_string()) break;
      const auto* port = c.params.if_contains(head + ".Port");
      into.push_back({g->second, std::string(id->as_string()), port && port->is_string() ? std::atoi(port->as_string().c_str()) : 0});
    }
  }
  return out;
}
} // namespace

void fleet_run::set_up_drains(const std::string& name) {
  std::vector<std::string> instances, ips;
  for (std::size_t k = 0; k < agents_.size(); ++k) {
    instances.push_back(agents_[k].instance);
    ips.push_back(private_ip_of(k));
    char mac[24];
    std::snprintf(mac, sizeof mac, "0e:00:00:00:%02x:%02x", static_cast<unsigned>((k >> 8) & 0xff), static_cast<unsigned>(k & 0xff));
    emu_.set_imds_item(agents_[k].instance, "network/interfaces/macs/", std::string(mac) + "/\n");
    emu_.set_imds_item(agents_[k].instance, "network/interfaces/macs/" + std::string(mac) + "/local-ipv4s", ips.back() + "\n");
  }
  layout_ = plan_drain_layout(instances, ips, static_cast<std::size_t>(o_.drain_groups));
  group_arns_.clear();
  for (std::size_t g = 0; g < layout_.groups; ++g) {
    emulator::target_group_spec spec;
    spec.name = name + "-" + std::to_string(g);
    spec.target_type = layout_.ip_group[g] ? "ip" : "instance";
    spec.deregistration_delay_s = o_.drain_delay_seconds;
    for (const auto& r : layout_.in[g]) spec.targets.push_back({r.id, r.port});
    group_arns_.push_back(emu_.add_target_group(spec));
  }
  emu_.set_elbv2_page_limit(o_.drain_page);
  container_arn_.clear();
  for (const auto& id : instances) {
    emulator::container_instance_spec ci;
    ci.cluster = name;
    ci.ec2_instance_id = id;
    for (int t = 1; t <= 3; ++t) ci.tasks.push_back({std::chrono::milliseconds(o_.task_stop_ms * t / 3)});
    container_arn_[id] = emu_.add_container_instance(ci);
  }
  emu_.set_service_rate("elasticloadbalancing", o_.elb_rate, o_.elb_burst);
  emu_.set_service_rate("ecs", o_.ecs_rate, o_.ecs_burst);
}

void fleet_run::drain_env(std::vector<std::string>& env) const {
  env.push_back("HOOKD_DRAIN=elbv2,ecs");
  env.push_back("HOOKD_ECS_CLUSTER=fleet-drains");
  env.push_back("HOOKD_DRAIN_TIMEOUT=40s"); // ECS polls a twentieth of it apart: 2 s
}

boost::asio::awaitable<bool> fleet_run::drain_pass() {
  const std::string name = "fleet-drains";
  drains_ = true;
  imds_ = false;
  set_up(name, true);
  set_up_drains(name);
  const bool all_polled = co_await start_agents(name);
  if (!all_polled) std::printf("  (not every agent polled within 120 s; figures below are partial)\n");
  const auto t0 = steady::now();
  const auto t0_wall = std::chrono::system_clock::now();
  std::map<std::string, std::string> token_of; // instance -> token
  const int k_in = std::clamp(o_.drain_scale_in, 1, o_.agents);
  for (int k = 0; k < k_in; ++k) {
    const auto& inst = agents_[static_cast<std::size_t>(k * o_.agents / k_in)].instance;
    token_of[inst] = emu_.terminate_instance(name, inst).at(0);
  }
  while (steady::now() - t0 < std::chrono::seconds(o_.timeout_seconds) && !all_done(token_of)) co_await pause(100ms);
  const bool ok = report_drains(name, token_of, t0_wall);
  co_await stop_agents();
  emu_.set_service_rate("elasticloadbalancing", 0, 0);
  emu_.set_service_rate("ecs", 0, 0);
  drains_ = false;
  co_return ok;
}

drain_figures fleet_run::count_drains(const std::string& name, const std::map<std::string, std::string>& token_of) const {
  drain_figures f;
  const auto elb_bound = elbv2_request_bound(layout_.groups, static_cast<std::size_t>(o_.drain_page), layout_.groups_per_instance);
  for (const auto& a : agents_) {
    const bool draining = emu_.container_instance_status(container_arn_.at(a.instance)) == "DRAINING";
    if (!token_of.count(a.instance)) {
      f.others_draining += draining;
      continue;
    }
    f.drained.push_back(a.instance);
    f.draining += draining;
    const auto counts = emu_.requests(a.key);
    const auto elb = requests_of(counts, "elasticloadbalancing"), ecs = requests_of(counts, "ecs");
    f.elb_answered.push_back(static_cast<double>(elb.answered));
    f.ecs_answered.push_back(static_cast<double>(ecs.answered));
    f.throttled.push_back(static_cast<double>(elb.throttled + ecs.throttled));
    f.over_bound += elb.answered > elb_bound || ecs.answered > ecs_request_bound();
    std::ifstream in(dir_ / name / ("start-" + a.instance)); // the script's start, then HOOKD_DRAIN_RESULT
    std::string started, told;
    std::getline(in, started);
    std::getline(in, told);
    f.drains_ok += told == "elbv2=ok:3 ecs=ok:3";
  }
  return f;
}

bool fleet_run::report_drains(const std::string& name, const std::map<std::string, std::string>& token_of,
                              std::chrono::system_clock::time_point t0_wall) {
  std::map<std::string, std::string> instance_of_key;
  for (const auto& a : agents_) instance_of_key[a.key] = a.instance;
  std::map<std::string, std::size_t> group_of_arn;
  for (std::size_t g = 0; g < group_arns_.size(); ++g) group_of_arn[group_arns_[g]] = g;
  const auto f = count_drains(name, token_of);
  const auto problems = deregistration_problems(layout_, f.drained, deregistrations(emu_.calls("DeregisterTargets"), instance_of_key, group_of_arn));
  for (std::size_t i = 0; i < problems.size() && i < 5; ++i) std::fprintf(stderr, "fleet drains: %s\n", problems[i].c_str());
  std::map<std::string, int> completions;
  for (const auto& c : emu_.calls("CompleteLifecycleAction"))
    if (c.status == 200 && c.params.contains("LifecycleActionToken")) ++completions[std::string(c.params.at("LifecycleActionToken").as_string())];
  std::vector<std::pair<std::string, std::string>> counted;
  for (const auto& [_, token] : token_of) counted.emplace_back(token, token);
  const auto [once, continued] = tally(completions, counted);
  const auto k = f.drained.size();
  const auto pages = (layout_.groups + static_cast<std::size_t>(o_.drain_page) - 1) / static_cast<std::size_t>(o_.drain_page);
  std::printf("\nfleet: %d agents on one queue, %zu scaled in at once with --drain elbv2,ecs; %zu target groups (%zu pages), "
              "each instance in 2 (3 registrations), %d s delay; 3 ECS tasks each\n",
              o_.agents, k, layout_.groups, pages, o_.drain_delay_seconds);
  row("figure", "p50 / p90 / max", "target");
  row("scale-in -> script start (drains first)", seconds_text(distribution_of(script_starts(name, token_of, t0_wall))), "");
  char b[160];
  std::snprintf(b, sizeof b, "<= %zu (%zu pages + %zu + 2 x 14)",
                elbv2_request_bound(layout_.groups, static_cast<std::size_t>(o_.drain_page), layout_.groups_per_instance), pages, layout_.groups);
  row("ELBv2 describe/deregister requests per drain", count_text(distribution_of(f.elb_answered)), b);
  std::snprintf(b, sizeof b, "<= %zu (3 + 26 polls x 4)", ecs_request_bound());
  row("ECS describe/list/update requests per drain", count_text(distribution_of(f.ecs_answered)), b);
  row("throttled attempts per drain, sent again", count_text(distribution_of(f.throttled)), "not counted above; drains still ok");
  std::snprintf(b, sizeof b, "%zu/%zu", k - f.over_bound, k);
  row("drains within the request bound", b, "all");
  std::snprintf(b, sizeof b, "%zu/%zu ok:3 ok:3", f.drains_ok, k);
  row("HOOKD_DRAIN_RESULT", b, "all");
  std::snprintf(b, sizeof b, "%zu instances wrong", problems.size());
  row("deregistered exactly their registrations", b, "0 (others: none deregistered)");
  std::snprintf(b, sizeof b, "%zu/%zu (others: %zu)", f.draining, k, f.others_draining);
  row("container instances DRAINING", b, "all (others: 0)");
  std::snprintf(b, sizeof b, "%d/%zu once, %d CONTINUE", once, k, continued);
  row("actions completed", b, "all, exactly once");
  const auto kk = static_cast<int>(k);
  return once == kk && continued == kk && problems.empty() && f.over_bound == 0 && f.drains_ok == k && f.draining == k &&
         f.others_draining == 0;
}

} // namespace hookd::fleet
