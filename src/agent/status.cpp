// SPDX-License-Identifier: Apache-2.0
#include "hookd/agent/status.hpp"

#include "hookd/core/json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>
#include <initializer_list>
#include <utility>

namespace hookd::agent {
namespace json = boost::json;
using std::chrono::milliseconds;

source_status& status_snapshot::source(const std::string& name) {
  for (auto& s : sources)
    if (s.name == name) return s;
  sources.push_back({name, {}, {}, {}, {}});
  return sources.back();
}

void status_snapshot::add_result(result_status r) {
  results.push_back(std::move(r));
  while (results.size() > results_kept) results.pop_front();
}

void status_snapshot::record_action(result_status r, std::uint64_t action_heartbeats) {
  ++actions[{r.trigger, r.transition, r.completed == "no" ? "not-completed" : r.result}];
  heartbeats += action_heartbeats;
  if (r.script_started) {
    script_seconds += std::chrono::duration<double>(r.script_duration).count();
    ++scripts;
  }
  add_result(std::move(r));
}

namespace {
json::value time_or_null(const std::optional<sys_time>& t) { return t ? json::value(iso8601(*t)) : json::value(nullptr); }
std::optional<sys_time> time_field(const json::object& o, std::string_view k) {
  auto t = parse_iso8601(string_field(o, k));
  return t ? std::optional(*t) : std::nullopt;
}
long long int_field(const json::object& o, std::string_view k) {
  const auto* v = o.if_contains(k);
  return v && v->is_int64() ? v->as_int64() : 0;
}
} // namespace

std::string status_json(const status_snapshot& s) {
  json::array sources, results;
  for (const auto& src : s.sources)
    sources.push_back(json::object{{"name", src.name}, {"interval_ms", src.interval.count()}, {"last_poll", time_or_null(src.last_poll)},
                                   {"last_ok", time_or_null(src.last_ok)}, {"last_error", src.last_error}});
  for (const auto& r : s.results)
    results.push_back(json::object{{"token", r.token}, {"transition", r.transition}, {"hook", r.hook}, {"trigger", r.trigger},
                                   {"result", r.result}, {"completed", r.completed}, {"finished", iso8601(r.finished)},
                                   {"script_ms", r.script_duration.count()}});
  json::value running = nullptr;
  if (s.running)
    running = json::object{{"token", s.running->token}, {"transition", s.running->transition}, {"hook", s.running->hook},
                           {"trigger", s.running->trigger}, {"started", iso8601(s.running->started)},
                           {"next_heartbeat", time_or_null(s.running->next_heartbeat)}, {"phase", s.running->phase},
                           {"phase_started", iso8601(s.running->phase_started)}};
  return json::serialize(json::object{{"pid", s.pid}, {"version", s.version}, {"instance", s.instance}, {"group", s.group},
                                      {"started", iso8601(s.started)}, {"updated", iso8601(s.updated)},
                                      {"sources", sources}, {"running", running}, {"results", results}});
}

outcome<status_snapshot> parse_status_json(std::string_view text) {
  const auto parsed = json_object(text);
  if (!parsed) return make_error(errc::invalid_input, "the state file is not a JSON object");
  const auto& o = *parsed;
  status_snapshot s;
  s.pid = static_cast<long>(int_field(o, "pid"));
  s.version = string_field(o, "version");
  s.instance = string_field(o, "instance");
  s.group = string_field(o, "group");
  s.started = time_field(o, "started").value_or(sys_time{});
  auto updated = time_field(o, "updated");
  if (!updated) return make_error(errc::invalid_input, "the state file has no 'updated' time");
  s.updated = *updated;
  if (const auto* a = o.if_contains("sources"); a && a->is_array())
    for (const auto& e : a->as_array())
      if (e.is_object())
        s.sources.push_back({string_field(e.as_object(), "name"), milliseconds(int_field(e.as_object(), "interval_ms")),
                             time_field(e.as_object(), "last_poll"), time_field(e.as_object(), "last_ok"),
                             string_field(e.as_object(), "last_error")});
  if (const auto* r = o.if_contains("running"); r && r->is_object()) {
    const auto& ro = r->as_object();
    s.running = running_status{string_field(ro, "token"), string_field(ro, "transition"), string_field(ro, "hook"),
                               string_field(ro, "trigger"), time_field(ro, "started").value_or(sys_time{}),
                               time_field(ro, "next_heartbeat"), string_field(ro, "phase"),
                               time_field(ro, "phase_started").value_or(sys_time{})};
  }
  if (const auto* a = o.if_contains("results"); a && a->is_array())
    for (const auto& e : a->as_array())
      if (e.is_object()) {
        const auto& ro = e.as_object();
        s.results.push_back({string_field(ro, "token"), string_field(ro, "transition"), string_field(ro, "hook"),
                             string_field(ro, "trigger"), string_field(ro, "result"), string_field(ro, "completed"),
                             time_field(ro, "finished").value_or(sys_time{}), milliseconds(int_field(ro, "script_ms"))});
      }
  return s;
}

namespace {
/// A label value as the text format wants it: backslash, quote and newline escaped.
std::string label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}
void family(std::string& out, const char* name, const char* type, const char* help) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}
/// One sample line, `name{key="value",...} value`, each label value escaped.
void sample(std::string& out, std::string_view name, std::initializer_list<std::pair<std::string_view, std::string_view>> labels,
            const std::string& value) {
  out += name;
  const char* sep = "{";
  for (const auto& [key, v] : labels) {
    out.append(sep).append(key).append("=\"").append(label(v)).append("\"");
    sep = ",";
  }
  if (labels.size() > 0) out += '}';
  out.append(" ").append(value).append("\n");
}
} // namespace

std::string metrics_text(const status_snapshot& s) {
  std::string out;
  family(out, "hookd_actions_total", "counter", "Lifecycle actions handled, by what started them, transition and result.");
  for (const auto& [k, n] : s.actions)
    sample(out, "hookd_actions_total", {{"trigger", std::get<0>(k)}, {"transition", std::get<1>(k)}, {"result", std::get<2>(k)}},
           std::to_string(n));
  family(out, "hookd_script_seconds", "summary", "Time the lifecycle scripts ran.");
  char sum[32];
  std::snprintf(sum, sizeof sum, "%.3f", s.script_seconds);
  sample(out, "hookd_script_seconds_sum", {}, sum);
  sample(out, "hookd_script_seconds_count", {}, std::to_string(s.scripts));
  family(out, "hookd_heartbeats_total", "counter", "Lifecycle action heartbeats Auto Scaling accepted.");
  sample(out, "hookd_heartbeats_total", {}, std::to_string(s.heartbeats));
  family(out, "hookd_aws_requests_total", "counter", "AWS calls (after retries), by service and outcome code.");
  for (const auto& [k, n] : s.aws_calls) sample(out, "hookd_aws_requests_total", {{"service", k.first}, {"code", k.second}}, std::to_string(n));
  // Whether each source works, not when it last polled: a poll time would make every poll a
  // write of this file; a change of state is written at once.
  family(out, "hookd_source_up", "gauge", "1 while the source's last poll succeeded, 0 once one failed.");
  for (const auto& src : s.sources)
    if (src.last_poll) sample(out, "hookd_source_up", {{"source", src.name}}, src.last_ok && src.last_error.empty() ? "1" : "0");
  family(out, "hookd_notices_total", "counter", "Instance notices seen: spot, rebalance, maintenance.");
  for (const auto& [k, n] : s.notices) sample(out, "hookd_notices_total", {{"kind", k}}, std::to_string(n));
  family(out, "hookd_drains_total", "counter", "Drains before a terminate script, by kind and result.");
  for (const auto& [k, n] : s.drains) sample(out, "hookd_drains_total", {{"kind", k.first}, {"result", k.second}}, std::to_string(n));
  family(out, "hookd_drain_seconds_total", "counter", "Time spent draining, by kind.");
  for (const auto& [k, secs] : s.drain_seconds) sample(out, "hookd_drain_seconds_total", {{"kind", k}}, std::to_string(secs));
  if (!s.ready_gates.empty()) {
    family(out, "hookd_ready_gates_total", "counter", "Readiness gates after a launch script, by end: ready, not_ready.");
    for (const auto& [k, n] : s.ready_gates) sample(out, "hookd_ready_gates_total", {{"result", k}}, std::to_string(n));
    family(out, "hookd_ready_checks_total", "counter", "Readiness checks, by check (http, command) and result (pass, fail).");
    for (const auto& [k, n] : s.ready_checks)
      sample(out, "hookd_ready_checks_total", {{"check", k.first}, {"result", k.second}}, std::to_string(n));
    family(out, "hookd_ready_seconds_total", "counter", "Time launches waited for readiness.");
    sample(out, "hookd_ready_seconds_total", {}, std::to_string(s.ready_seconds));
  }
  if (!s.notifications.empty()) {
    family(out, "hookd_notifications_total", "counter", "Notifications (webhooks, SNS) by outcome: delivered, failed, dropped.");
    for (const auto& [k, n] : s.notifications) sample(out, "hookd_notifications_total", {{"outcome", k}}, std::to_string(n));
  }
  family(out, "hookd_action_running", "gauge", "1 while a lifecycle script runs.");
  sample(out, "hookd_action_running", {}, s.running ? "1" : "0");
  return out;
}

health judge(const status_snapshot& s, sys_time now, bool running) {
  health h;
  auto problem = [&h](std::string p) {
    h.ok = false;
    h.problems.push_back(std::move(p));
  };
  if (!running) problem("no hookd is running (the lock is free): start it, or check its log for why it stopped");
  for (const auto& src : s.sources) {
    const auto allowed = std::max<milliseconds>(3 * src.interval, std::chrono::minutes(1));
    if (!src.last_ok)
      problem("source " + src.name + " has not polled successfully yet" + (src.last_error.empty() ? "" : ": " + src.last_error));
    else if (!src.last_error.empty() && now - *src.last_ok > allowed)
      problem("source " + src.name + " has failed since " + iso8601(*src.last_ok) + ": " + src.last_error);
  }
  return h;
}

} // namespace hookd::agent
