// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include "impl.hpp"

namespace hookd::emulator {

std::string server::impl::wrap(const std::string& direct, notification_format f, const std::string& transition,
                 const std::string& instance, const json::object& detail) {
  if (f == notification_format::sns) {
    json::object env{{"Type", "Notification"},
                     {"MessageId", uuid()},
                     {"TopicArn", "arn:aws:sns:" + opt.region + ":" + opt.account_id + ":asg-lifecycle"},
                     {"Subject", "Auto Scaling:  Lifecycle action '" +
                                     std::string(transition.find("TERMINATING") != std::string::npos ? "TERMINATING" : "LAUNCHING") +
                                     "' for instance " + instance + " in progress."},
                     {"Message", direct},
                     {"Timestamp", iso8601_ms(now())},
                     {"SignatureVersion", "1"},
                     {"Signature", "EXAMPLE" + random_hex(32)},
                     {"SigningCertURL", "https://sns." + opt.region + ".amazonaws.com/SimpleNotificationService-example.pem"},
                     {"UnsubscribeURL", "https://sns." + opt.region + ".amazonaws.com/?Action=Unsubscribe"}};
    return json::serialize(env);
  }
  if (f == notification_format::eventbridge && !detail.empty()) {
    const bool term = transition.find("TERMINATING") != std::string::npos;
    json::object ev{{"version", "0"},
                    {"id", uuid()},
                    {"detail-type", term ? "EC2 Instance-terminate Lifecycle Action" : "EC2 Instance-launch Lifecycle Action"},
                    {"source", "aws.autoscaling"},
                    {"account", opt.account_id},
                    {"time", iso8601(now())},
                    {"region", opt.region},
                    {"resources", json::array{json::string(group_arn(string_field(detail, "AutoScalingGroupName")))}},
                    {"detail", detail}};
    return json::serialize(ev);
  }
  return direct;
}

std::vector<std::string> server::impl::transition(const std::string& group, const std::string& instance, bool terminating,
                                                  bool warm) {
  expire_actions();
  std::vector<std::string> tokens;
  auto& g = groups.at(group);
  const bool from_pool = g[instance].rfind("Warmed:", 0) == 0; // a launch out of the warm pool
  const int leg = ++legs_started;
  const std::string transition_name =
      terminating ? "autoscaling:EC2_INSTANCE_TERMINATING" : "autoscaling:EC2_INSTANCE_LAUNCHING";
  for (const auto& h : hooks) {
    if (h.spec.group != group || h.spec.transition != transition_name) continue;
    action_rec a;
    a.state = {uuid(), group, h.spec.name, instance, transition_name, true, "", false, 0};
    a.heartbeat_timeout = h.spec.heartbeat_timeout;
    a.leg = leg;
    a.active_from = steady::now() + activation_delay;
    a.deadline = a.active_from + std::chrono::seconds(h.spec.heartbeat_timeout);
    a.global_deadline = a.active_from + std::chrono::seconds(h.global_timeout);
    a.default_result = h.spec.default_result;
    json::object detail{{"Origin", terminating ? "AutoScalingGroup" : from_pool ? "WarmPool" : "EC2"},
                        {"Destination", warm ? "WarmPool" : terminating ? "EC2" : "AutoScalingGroup"},
                        {"LifecycleActionToken", a.state.token},
                        {"AutoScalingGroupName", group},
                        {"LifecycleHookName", h.spec.name},
                        {"EC2InstanceId", instance},
                        {"LifecycleTransition", transition_name}};
    if (!h.spec.metadata.empty()) detail["NotificationMetadata"] = h.spec.metadata;
    json::object direct = detail;
    direct["AccountId"] = opt.account_id;
    direct["RequestId"] = uuid();
    direct["Service"] = "AWS Auto Scaling";
    direct["Time"] = iso8601_ms(now());
    if (queues.count(h.spec.queue))
      enqueue(h.spec.queue, wrap(json::serialize(direct), h.spec.format, transition_name, instance, detail));
    tokens.push_back(a.state.token);
    action_order.push_back(a.state.token);
    actions.emplace(a.state.token, std::move(a));
  }
  const bool waits_now = activation_delay.count() <= 0;
  if (warm) { // into the pool, from EC2 or (scale-in with reuse) from the group
    g[instance] = tokens.empty() ? "Warmed:" + warm_pool_state : waits_now ? "Warmed:Pending:Wait" : "Warmed:Pending";
    return tokens;
  }
  g[instance] = tokens.empty() ? (terminating ? "Terminated" : "InService")
                : waits_now    ? (terminating ? "Terminating:Wait" : "Pending:Wait")
                               : (terminating ? "Terminating" : "Pending");
  return tokens;
}

void server::impl::settle_instance(const std::string& group, const std::string& instance) {
  bool any_active = false;
  bool abandoned = false;
  std::string transition_name;
  int latest = 0; // only the instance's latest leg settles it: a warm pool's instance has several
  for (const auto& [_, a] : actions)
    if (a.state.group == group && a.state.instance_id == instance) latest = std::max(latest, a.leg);
  for (const auto& [_, a] : actions) {
    if (a.state.group != group || a.state.instance_id != instance || a.leg != latest) continue;
    if (a.state.active) any_active = true;
    if (a.state.result == "ABANDON") abandoned = true;
    transition_name = a.state.transition;
  }
  if (any_active || !groups.count(group)) return;
  const bool terminating = transition_name.find("TERMINATING") != std::string::npos;
  auto& st = groups[group][instance];
  if (st.rfind("Warmed:Pending", 0) == 0) st = abandoned ? "Terminated" : "Warmed:" + warm_pool_state;
  else st = terminating ? "Terminated" : (abandoned ? "Terminated" : "InService");
}

void server::impl::expire_actions() {
  const auto t = steady::now();
  for (auto& [_, a] : actions) {
    if (!a.state.active) continue;
    if (t >= a.active_from && groups.count(a.state.group)) { // draining over: the wait state begins
      auto& st = groups[a.state.group][a.state.instance_id];
      if (st == "Terminating" || st == "Pending" || st == "Warmed:Pending") st += ":Wait";
    }
    if (t >= a.deadline || t >= a.global_deadline) {
      a.state.active = false;
      a.state.timed_out = true;
      a.state.result = a.default_result;
      settle_instance(a.state.group, a.state.instance_id);
    }
  }
}

std::string server::impl::asg_ok(const std::string& action, const std::string& result_inner) {
  return "<" + action + "Response xmlns=\"" + std::string(asg_xmlns) + "\"><" + action + "Result>" + result_inner + "</" +
         action + "Result><ResponseMetadata><RequestId>" + uuid() + "</RequestId></ResponseMetadata></" + action +
         "Response>";
}

reply server::impl::autoscaling(const std::string& action, const std::map<std::string, std::string>& p) {
  expire_actions();
  auto get = [&](const std::string& k) {
    auto it = p.find(k);
    return it == p.end() ? std::string() : it->second;
  };
  auto xml = [](std::string body) {
    reply r{200, std::move(body), "text/xml"};
    return r;
  };
  if (!asg_bucket.take(steady::now())) return query_error(400, "Throttling", "Rate exceeded");
  if (get("Version") != "2011-01-01") return query_error(400, "InvalidAction", "Version must be 2011-01-01");
  const auto group = get("AutoScalingGroupName");
  if (action == "PutLifecycleHook") {
    if (!groups.count(group)) return query_error(400, "ValidationError", "Group " + group + " not found");
    hook_spec s;
    s.group = group;
    s.name = get("LifecycleHookName");
    s.transition = get("LifecycleTransition");
    s.metadata = get("NotificationMetadata");
    if (s.name.empty()) return query_error(400, "ValidationError", "LifecycleHookName is required");
    if (s.transition != "autoscaling:EC2_INSTANCE_TERMINATING" && s.transition != "autoscaling:EC2_INSTANCE_LAUNCHING")
      return query_error(400, "ValidationError", "Invalid LifecycleTransition: " + s.transition);
    if (auto hb = get("HeartbeatTimeout"); !hb.empty()) s.heartbeat_timeout = std::atoi(hb.c_str());
    if (s.heartbeat_timeout < 30 || s.heartbeat_timeout > 7200)
      return query_error(400, "ValidationError", "HeartbeatTimeout must be between 30 and 7200");
    if (auto dr = get("DefaultResult"); !dr.empty()) s.default_result = dr;
    if (s.default_result != "CONTINUE" && s.default_result != "ABANDON")
      return query_error(400, "ValidationError", "DefaultResult must be CONTINUE or ABANDON");
    if (auto arn = get("NotificationTargetARN"); !arn.empty()) {
      auto* q = find_queue_by_arn(arn);
      if (!q) return query_error(400, "ValidationError", "Unable to publish test message to notification target " + arn);
      s.queue = q->name;
    }
    put_hook_spec(s);
    return xml(asg_ok(action, ""));
  }
  if (action == "DescribeLifecycleHooks") {
    if (!groups.count(group)) return query_error(400, "ValidationError", "Group " + group + " not found");
    std::set<std::string> names;
    for (int i = 1; p.count("LifecycleHookNames.member." + std::to_string(i)); ++i)
      names.insert(get("LifecycleHookNames.member." + std::to_string(i)));
    std::string members;
    for (const auto& h : hooks) {
      if (h.spec.group != group || (!names.empty() && !names.count(h.spec.name))) continue;
      members += "<member><LifecycleHookName>" + xml_escape(h.spec.name) + "</LifecycleHookName><AutoScalingGroupName>" +
                 xml_escape(group) + "</AutoScalingGroupName><LifecycleTransition>" + h.spec.transition +
                 "</LifecycleTransition><NotificationTargetARN>" + (h.spec.queue.empty() ? "" : arn_of(h.spec.queue)) +
                 "</NotificationTargetARN>" +
                 (h.spec.metadata.empty() ? "" : "<NotificationMetadata>" + xml_escape(h.spec.metadata) + "</NotificationMetadata>") +
                 "<HeartbeatTimeout>" + std::to_string(h.spec.heartbeat_timeout) + "</HeartbeatTimeout><GlobalTimeout>" +
                 std::to_string(h.global_timeout) + "</GlobalTimeout><DefaultResult>" + h.spec.default_result +
                 "</DefaultResult></member>";
    }
    return xml(asg_ok(action, "<LifecycleHooks>" + members + "</LifecycleHooks>"));
  }
  if (action == "DescribeAutoScalingInstances") {
    std::set<std::string> ids;
    for (int i = 1; p.count("InstanceIds.member." + std::to_string(i)); ++i) ids.insert(get("InstanceIds.member." + std::to_string(i)));
    std::string members;
    for (const auto& [g, insts] : groups)
      for (const auto& [id, state] : insts)
        if (ids.empty() || ids.count(id))
          members += "<member><InstanceId>" + id + "</InstanceId><AutoScalingGroupName>" + xml_escape(g) +
                     "</AutoScalingGroupName><AvailabilityZone>" + opt.region + "a</AvailabilityZone><LifecycleState>" +
                     state + "</LifecycleState><HealthStatus>HEALTHY</HealthStatus></member>";
    return xml(asg_ok(action, "<AutoScalingInstances>" + members + "</AutoScalingInstances>"));
  }
  if (action == "RecordLifecycleActionHeartbeat" || action == "CompleteLifecycleAction") {
    const auto token = get("LifecycleActionToken");
    const auto instance = get("InstanceId");
    const auto hook = get("LifecycleHookName");
    // As Auto Scaling does, a token outside its pattern is refused before any look-up, and the
    // answer does not echo it (a NUL in the XML would make the answer unreadable).
    if (std::any_of(token.begin(), token.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
      return query_error(400, "ValidationError",
                         "1 validation error detected: Value at 'lifecycleActionToken' failed to satisfy constraint: "
                         "Member must satisfy regular expression pattern");
    action_rec* found = nullptr;
    for (auto& [t, a] : actions) {
      if (!a.state.active || a.state.group != group || a.state.hook != hook || steady::now() < a.active_from) continue;
      if ((!token.empty() && t == token) || (token.empty() && !instance.empty() && a.state.instance_id == instance)) found = &a;
    }
    // A token sent with the instance it must belong to: Auto Scaling refuses the pair when they
    // do not match, so a stolen token cannot complete another instance's action.
    if (found && !token.empty() && !instance.empty() && found->state.instance_id != instance) found = nullptr;
    if (!found)
      return query_error(400, "ValidationError",
                         token.empty() ? "No active Lifecycle Action found with instance ID " + instance
                                       : "No active Lifecycle Action found with token " + token);
    if (action == "RecordLifecycleActionHeartbeat") {
      ++found->state.heartbeats;
      found->deadline = std::min(found->global_deadline, steady::now() + std::chrono::seconds(found->heartbeat_timeout));
      return xml(asg_ok(action, ""));
    }
    const auto result = get("LifecycleActionResult");
    if (result != "CONTINUE" && result != "ABANDON")
      return query_error(400, "ValidationError", "LifecycleActionResult must be CONTINUE or ABANDON");
    found->state.active = false;
    found->state.result = result;
    settle_instance(found->state.group, found->state.instance_id);
    return xml(asg_ok(action, ""));
  }
  return query_error(400, "InvalidAction", "The action " + action + " is not valid for this web service.");
}

void server::impl::put_hook_spec(const hook_spec& s) {
  auto it = std::find_if(hooks.begin(), hooks.end(),
                         [&](const hook_rec& h) { return h.spec.group == s.group && h.spec.name == s.name; });
  hook_rec rec{s, std::min(100 * s.heartbeat_timeout, 172800)};
  if (it != hooks.end()) {
    *it = rec;
    return;
  }
  hooks.push_back(rec);
  if (queues.count(s.queue)) {
    json::object test{{"AccountId", opt.account_id},          {"RequestId", uuid()},
                      {"AutoScalingGroupARN", group_arn(s.group)}, {"AutoScalingGroupName", s.group},
                      {"Service", "AWS Auto Scaling"},           {"Event", "autoscaling:TEST_NOTIFICATION"},
                      {"Time", iso8601_ms(now())}};
    enqueue(s.queue, wrap(json::serialize(test), s.format == notification_format::sns ? s.format : notification_format::direct,
                          "", "", {}));
  }
}

} // namespace hookd::emulator

namespace hookd::emulator {
bool server::impl::token_bucket::take(steady::time_point t) {
  if (rate <= 0) return true;
  tokens = std::min(burst, tokens + rate * std::chrono::duration<double>(t - last).count());
  last = t;
  if (tokens < 1) {
    ++throttled;
    return false;
  }
  tokens -= 1;
  return true;
}
} // namespace hookd::emulator
