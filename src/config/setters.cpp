// SPDX-License-Identifier: Apache-2.0
// The setters every area's rows share, and the joined table.
#include "table.hpp"

#include "hookd/core/time.hpp"

#include <charconv>

namespace hookd::config {

std::optional<std::string> set_duration(std::chrono::milliseconds& out, const std::string& v) {
  auto d = parse_duration(v);
  if (!d) return "a duration such as 90s, 5m, 1h or a number of seconds, at most 8760h (a year)";
  out = *d;
  return std::nullopt;
}

std::optional<std::string> set_result(std::string& out, const std::string& v) {
  if (v != "CONTINUE" && v != "ABANDON") return "CONTINUE or ABANDON";
  out = v;
  return std::nullopt;
}

std::optional<std::string> set_bool(bool& out, const std::string& v) {
  if (v == "1" || v == "true" || v == "yes" || v.empty()) out = true;
  else if (v == "0" || v == "false" || v == "no") out = false;
  else return "true or false";
  return std::nullopt;
}

std::optional<std::string> set_script(std::string& out, const std::string& v) {
  if (v.rfind("s3://", 0) != 0 && (v.empty() || v[0] != '/')) return "an s3://bucket/key URI or an absolute path";
  out = v;
  return std::nullopt;
}

std::optional<std::string> set_notice(notice_action& out, const std::string& v) {
  if (v == "script") out = notice_action::script;
  else if (v == "log") out = notice_action::log;
  else return "script or log";
  return std::nullopt;
}

std::optional<std::string> set_triggers(settings& s, const std::string& v) {
  s.trigger_queue = s.trigger_imds = false;
  for (std::size_t pos = 0; pos <= v.size();) {
    const auto comma = std::min(v.find(',', pos), v.size());
    const auto word = v.substr(pos, comma - pos);
    if (word == "queue") s.trigger_queue = true;
    else if (word == "imds") s.trigger_imds = true;
    else return "queue, imds, or queue,imds";
    pos = comma + 1;
  }
  return std::nullopt;
}

std::optional<std::string> set_int(int& out, const std::string& v, int lo, int hi, const std::string& what) {
  int n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc{} || p != v.data() + v.size() || n < lo || n > hi) return what;
  out = n;
  return std::nullopt;
}

const std::vector<setting>& table() {
  static const std::vector<setting> t = [] {
    std::vector<setting> all;
    for (const auto* area : {&general_settings(), &notify_settings_rows(), &drain_settings(), &ready_settings()})
      all.insert(all.end(), area->begin(), area->end());
    return all;
  }();
  return t;
}

} // namespace hookd::config
