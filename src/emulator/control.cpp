// SPDX-License-Identifier: Apache-2.0
#include "impl.hpp"

namespace hookd::emulator {

reply server::impl::control_http(const std::string& command, const std::string& body) {
  json::object args;
  if (!body.empty()) {
    boost::system::error_code ec;
    auto v = json::parse(body, ec);
    if (ec || !v.is_object()) return reply{400, R"({"error":"body must be a JSON object"})"};
    args = v.as_object();
  }
  auto r = control(command, args);
  if (!r) return reply{400, json::serialize(json::object{{"error", r.error().message()}})};
  return reply{200, json::serialize(*r)};
}

// ---- control commands (the HTTP control API and the in-process API share them) -------------------
outcome<json::object> server::impl::control(const std::string& cmd, const json::object& a) {
  auto need = [&](std::string_view k) -> outcome<std::string> {
    auto v = string_field(a, k);
    if (v.empty()) return make_error(errc::invalid_input, "control '" + cmd + "': '" + std::string(k) + "' is required");
    return v;
  };
  if (auto drains = drain_control(cmd, a)) return std::move(*drains);
  if (cmd == "key") {
    auto id = need("id");
    auto secret = need("secret");
    if (!id || !secret) return make_error(errc::invalid_input, "control 'key': id and secret are required");
    access_key k{*id, *secret, string_field(a, "token"), std::nullopt};
    if (auto s = json_int(a, "expires_in")) k.expires = now() + std::chrono::seconds(*s);
    keys[k.id] = k;
    return json::object{{"ok", true}};
  }
  if (cmd == "queue") {
    auto name = need("name");
    if (!name) return name.error();
    auto& q = queues[*name];
    q.name = *name;
    q.visibility = static_cast<int>(json_int(a, "visibility_timeout").value_or(30));
    if (auto o = string_field(a, "order"); !o.empty()) q.shuffled = o == "shuffled";
    if (auto l = json_int(a, "inflight_limit")) q.inflight_limit = static_cast<std::size_t>(*l);
    if (!q.notify) {
      q.notify = std::make_unique<net::steady_timer>(ex);
      net::co_spawn(ex, watch_visibility(q), [](std::exception_ptr) {});
    }
    return json::object{{"url", url_of(*name)}, {"arn", arn_of(*name)}};
  }
  if (cmd == "send") {
    auto queue = need("queue");
    if (!queue) return queue.error();
    if (!queues.count(*queue)) return make_error(errc::not_found, "control 'send': no queue '" + *queue + "'");
    return json::object{{"message_id", enqueue(*queue, string_field(a, "body"))}};
  }
  if (cmd == "group") {
    auto name = need("name");
    if (!name) return name.error();
    auto& g = groups[*name];
    if (auto* list = a.if_contains("instances"); list && list->is_array())
      for (const auto& i : list->as_array())
        if (i.is_string()) g[std::string(i.as_string())] = "InService";
    return json::object{{"ok", true}};
  }
  if (cmd == "hook") {
    hook_spec s;
    auto group = need("group");
    auto name = need("name");
    if (!group || !name) return make_error(errc::invalid_input, "control 'hook': group and name are required");
    if (!groups.count(*group)) return make_error(errc::not_found, "control 'hook': no group '" + *group + "'");
    s.group = *group;
    s.name = *name;
    if (auto t = string_field(a, "transition"); !t.empty()) s.transition = t;
    s.queue = string_field(a, "queue");
    s.heartbeat_timeout = static_cast<int>(json_int(a, "heartbeat_timeout").value_or(3600));
    if (auto d = string_field(a, "default_result"); !d.empty()) s.default_result = d;
    s.metadata = string_field(a, "metadata");
    const auto fmt = string_field(a, "format");
    s.format = fmt == "sns" ? notification_format::sns : fmt == "eventbridge" ? notification_format::eventbridge : notification_format::direct;
    put_hook_spec(s);
    return json::object{{"ok", true}};
  }
  if (cmd == "object") {
    auto bucket = need("bucket");
    if (!bucket) return bucket.error();
    auto& b = buckets[*bucket];
    if (auto key = string_field(a, "key"); !key.empty()) b[key] = string_field(a, "body");
    return json::object{{"ok", true}};
  }
  if (cmd == "get-object") {
    auto bucket = need("bucket");
    auto key = need("key");
    if (!bucket || !key) return make_error(errc::invalid_input, "control 'get-object': bucket and key are required");
    auto b = buckets.find(*bucket);
    if (b == buckets.end() || !b->second.count(*key)) return make_error(errc::not_found, "no object s3://" + *bucket + "/" + *key);
    return json::object{{"body", b->second.at(*key)}};
  }
  if (cmd == "imds") {
    imds_instance = string_field(a, "instance_id");
    imds_role = string_field(a, "role");
    imds_lifetime = std::chrono::seconds(json_int(a, "credential_lifetime").value_or(6 * 3600));
    imds_key.reset();
    return json::object{{"ok", true}};
  }
  if (cmd == "spot") {
    if (auto s = string_field(a, "action"); !s.empty()) spot_action = s;
    else spot_action.reset();
    return json::object{{"ok", true}};
  }
  if (cmd == "imds-item") { // {"instance_id", "path", "body"}: no body removes it
    const auto* body = a.if_contains("body");
    const auto instance = string_field(a, "instance_id"), path = string_field(a, "path");
    if (instance.empty() || path.empty()) return make_error(errc::invalid_input, "imds-item needs instance_id and path");
    if (body && body->is_string()) imds_items[instance][path] = std::string(body->as_string());
    else imds_items[instance].erase(path);
    return json::object{{"ok", true}};
  }
  if (cmd == "imds-listener") { // {"instance_id"}: a plain-HTTP IMDS of that instance; answers its port
    auto port = add_imds_listener(string_field(a, "instance_id"));
    if (!port) return port.error();
    return json::object{{"port", *port}};
  }
  if (cmd == "activation-delay") {
    activation_delay = std::chrono::milliseconds(json_int(a, "ms").value_or(0));
    return json::object{{"ok", true}};
  }
  if (cmd == "answer-delay") {
    // {"service": "autoscaling", "ms": 50}; no service: every service.
    auto svc = string_field(a, "service");
    const auto ms = json_int(a, "ms").value_or(0);
    if (ms < 0 || ms > 60000) return make_error(errc::invalid_input, "control 'answer-delay': ms must be 0-60000");
    if (svc.empty()) svc = "*";
    if (ms > 0) answer_delay[svc] = std::chrono::milliseconds(ms);
    else answer_delay.erase(svc);
    return json::object{{"ok", true}};
  }
  if (cmd == "fault") {
    fault f;
    if (auto op = string_field(a, "operation"); !op.empty()) f.operation = op;
    f.count = static_cast<int>(json_int(a, "count").value_or(1));
    f.status = static_cast<unsigned>(json_int(a, "status").value_or(0));
    f.code = string_field(a, "code");
    f.message = string_field(a, "message");
    f.delay = std::chrono::milliseconds(json_int(a, "delay_ms").value_or(0));
    if (auto* d = a.if_contains("drop"); d && d->is_bool()) f.drop = d->as_bool();
    if (auto* d = a.if_contains("close_after"); d && d->is_bool()) f.close_after = d->as_bool();
    faults.push_back(f);
    return json::object{{"ok", true}};
  }
  if (cmd == "throttle") {
    asg_bucket.rate = static_cast<double>(json_int(a, "per_second").value_or(0));
    asg_bucket.burst = asg_bucket.tokens = static_cast<double>(json_int(a, "burst").value_or(0));
    asg_bucket.last = steady::now();
    return json::object{{"ok", true}};
  }
  if (cmd == "clock") {
    skew = std::chrono::seconds(json_int(a, "skew_seconds").value_or(0));
    return json::object{{"ok", true}};
  }
  if (cmd == "terminate" || cmd == "launch") {
    auto group = need("group");
    auto instance = need("instance");
    if (!group || !instance) return make_error(errc::invalid_input, "control '" + cmd + "': group and instance are required");
    if (!groups.count(*group)) return make_error(errc::not_found, "no group '" + *group + "'");
    json::array tokens;
    for (auto& t : transition(*group, *instance, cmd == "terminate")) tokens.push_back(json::string(t));
    return json::object{{"tokens", tokens}};
  }
  if (cmd == "calls") {
    json::array out;
    for (const auto& c : calls)
      out.push_back(json::object{{"service", c.service}, {"operation", c.operation}, {"params", c.params},
                                 {"status", c.status}, {"error_code", c.error_code}});
    return json::object{{"calls", out}};
  }
  if (cmd == "state") {
    expire_actions();
    json::object s;
    json::object qs;
    for (const auto& [name, q] : queues) qs[name] = json::object{{"url", url_of(name)}, {"depth", q.msgs.size()}};
    s["queues"] = qs;
    json::object gs;
    for (const auto& [g, insts] : groups) {
      json::object io;
      for (const auto& [id, st] : insts) io[id] = st;
      gs[g] = io;
    }
    s["groups"] = gs;
    json::array as;
    for (const auto& t : action_order) {
      const auto& a2 = actions.at(t).state;
      as.push_back(json::object{{"token", a2.token}, {"group", a2.group}, {"hook", a2.hook}, {"instance", a2.instance_id},
                                {"active", a2.active}, {"result", a2.result}, {"timed_out", a2.timed_out},
                                {"heartbeats", a2.heartbeats}});
    }
    s["actions"] = as;
    json::object bs;
    for (const auto& [b, objs] : buckets) {
      json::array keys_;
      for (const auto& [k, _] : objs) keys_.push_back(json::string(k));
      bs[b] = keys_;
    }
    s["buckets"] = bs;
    for (auto& [k, v] : drain_snapshot()) s[k] = std::move(v);
    s["calls"] = calls.size();
    return s;
  }
  return make_error(errc::invalid_input, "unknown control command '" + cmd +
                                             "' (key, queue, send, group, hook, object, get-object, imds, imds-listener, imds-item, activation-delay, answer-delay, spot, fault, "
                                             "throttle, clock, terminate, launch, calls, state, target-group, targets, container-instance, "
                                             "container-instance-status, service-rate, requests)");
}

// ================================================================================================

} // namespace hookd::emulator
