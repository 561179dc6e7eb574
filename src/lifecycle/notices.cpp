// SPDX-License-Identifier: Apache-2.0
#include "hookd/lifecycle/notices.hpp"

#include "hookd/core/json.hpp"

#include <boost/json/parse.hpp>

namespace hookd::lifecycle {
namespace json = boost::json;

namespace {
outcome<json::object> object_of(std::string_view text, const char* what) {
  if (auto o = json_object(text)) return std::move(*o);
  return make_error(errc::invalid_input, std::string(what) + " is not a JSON object");
}
} // namespace

target_state parse_target_state(std::string_view t) {
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.remove_suffix(1);
  if (t == "InService") return target_state::in_service;
  if (t == "Terminated") return target_state::terminated;
  if (t == "Detached") return target_state::detached;
  if (t == "Standby") return target_state::standby;
  if (t.rfind("Warmed:", 0) == 0) return target_state::warmed;
  return target_state::other;
}

outcome<spot_notice> parse_spot_notice(std::string_view text) {
  auto o = object_of(text, "spot/instance-action");
  if (!o) return o.error();
  spot_notice n{string_field(*o, "action"), {}};
  if (n.action != "terminate" && n.action != "stop" && n.action != "hibernate")
    return make_error(errc::invalid_input, "spot/instance-action: action is not terminate, stop or hibernate");
  auto t = parse_iso8601(string_field(*o, "time"));
  if (!t) return make_error(errc::invalid_input, "spot/instance-action: time is not an RFC 3339 time");
  n.time = *t;
  return n;
}

outcome<sys_time> parse_rebalance_notice(std::string_view text) {
  auto o = object_of(text, "events/recommendations/rebalance");
  if (!o) return o.error();
  auto t = parse_iso8601(string_field(*o, "noticeTime"));
  if (!t) return make_error(errc::invalid_input, "events/recommendations/rebalance: noticeTime is not an RFC 3339 time");
  return *t;
}

outcome<sys_time> parse_event_date(std::string_view text) {
  // "21 Jan 2019 09:00:43 GMT" is an IMF-fixdate without its weekday: pad the day, lend it one.
  const auto space = text.find(' ');
  if (space == std::string_view::npos || space == 0 || space > 2)
    return make_error(errc::invalid_input, "invalid event date: expected a date like '21 Jan 2019 09:00:43 GMT'");
  std::string imf = "Mon, " + std::string(space == 1 ? "0" : "") + std::string(text);
  auto t = parse_http_date(imf);
  if (!t) return make_error(errc::invalid_input, "invalid event date: expected a date like '21 Jan 2019 09:00:43 GMT'");
  return *t;
}

bool maintenance_event::ends_instance() const {
  return code == "instance-stop" || code == "instance-retirement" || code == "system-reboot";
}

outcome<std::vector<maintenance_event>> parse_maintenance_events(std::string_view text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_array()) return make_error(errc::invalid_input, "events/maintenance/scheduled is not a JSON array");
  std::vector<maintenance_event> out;
  for (const auto& item : v.as_array()) {
    if (!item.is_object()) return make_error(errc::invalid_input, "events/maintenance/scheduled: an entry is not an object");
    const auto& o = item.as_object();
    maintenance_event e{string_field(o, "EventId"), string_field(o, "Code"), string_field(o, "Description"),
                        string_field(o, "State"), std::nullopt, std::nullopt};
    if (e.id.empty() || e.code.empty()) return make_error(errc::invalid_input, "events/maintenance/scheduled: an entry lacks EventId or Code");
    for (auto [key, field] : {std::pair{"NotBefore", &e.not_before}, std::pair{"NotAfter", &e.not_after}}) {
      const auto date = string_field(o, key);
      if (date.empty()) continue;
      auto t = parse_event_date(date);
      if (!t) return make_error(errc::invalid_input, "events/maintenance/scheduled: " + std::string(key) + " of " + e.id + ": " + t.error().message());
      *field = *t;
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::string maintenance_fingerprint(const maintenance_event& e) {
  return e.id + "|" + e.state + "|" + (e.not_before ? iso8601(*e.not_before) : "") + "|" + (e.not_after ? iso8601(*e.not_after) : "");
}

} // namespace hookd::lifecycle
