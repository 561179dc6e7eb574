// SPDX-License-Identifier: Apache-2.0
#include "hookd/notify/document.hpp"

#include <boost/json.hpp>

namespace hookd::notify {
namespace json = boost::json;

namespace {

std::string who(const agent::event& e) {
  std::string out = "hookd on " + (e.instance.empty() ? std::string("this instance") : e.instance);
  if (!e.group.empty()) out += " (group " + e.group + ")";
  return out + ": ";
}

std::string action_of(const agent::event& e) {
  std::string out = e.transition.empty() ? "action" : e.transition + " action";
  if (!e.hook.empty()) out += " of hook " + e.hook;
  return out;
}

std::string after(const agent::event& e) {
  return e.duration ? " after " + format_duration(*e.duration) : std::string();
}

std::string in_brackets(const std::string& s) { return s.empty() ? std::string() : " (" + s + ")"; }

} // namespace

std::string text_line(const agent::event& e) {
  using k = agent::event_kind;
  const auto head = who(e);
  switch (e.kind) {
  case k::action_received: return head + action_of(e) + " received" + (e.trigger.empty() ? "" : " (trigger " + e.trigger + ")");
  case k::action_confirmed: return head + action_of(e) + " confirmed by Auto Scaling";
  case k::script_started: return head + "script started for the " + action_of(e);
  case k::script_finished: return head + "script of the " + action_of(e) + " finished" + after(e) + in_brackets(e.detail);
  case k::action_completed:
    return head + action_of(e) + " completed: " + (e.result.empty() ? "no result" : e.result) + after(e) + in_brackets(e.detail);
  case k::drain_result: return head + "drain: " + e.detail + after(e);
  case k::failure: return head + "FAILED: " + action_of(e) + ": " + e.detail;
  default: return head + std::string(agent::kind_name(e.kind)) + in_brackets(e.detail);
  }
}

std::string document_json(const agent::event& e, const std::string& id, sys_time at) {
  json::object o;
  o["text"] = text_line(e);
  o["event"] = agent::kind_name(e.kind);
  o["id"] = id;
  o["time"] = iso8601(at);
  const std::pair<const char*, const std::string*> fields[] = {
      {"instance", &e.instance}, {"group", &e.group},   {"hook", &e.hook},    {"transition", &e.transition},
      {"trigger", &e.trigger},   {"token", &e.token},   {"result", &e.result}, {"detail", &e.detail}};
  for (const auto& [name, value] : fields)
    if (!value->empty()) o[name] = *value;
  if (e.duration) o["duration_ms"] = e.duration->count();
  return json::serialize(o);
}

std::string sns_subject(const agent::event& e) {
  std::string raw = "hookd: " + std::string(agent::kind_name(e.kind));
  if (!e.instance.empty()) raw += " on " + e.instance;
  if (!e.hook.empty()) raw += " (hook " + e.hook + ")";
  std::string out;
  for (char c : raw)
    if (c >= 0x20 && c < 0x7f) out += c;
  if (out.size() > 99) out.resize(99);
  return out;
}

} // namespace hookd::notify
