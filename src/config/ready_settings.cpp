// SPDX-License-Identifier: Apache-2.0
// The rows of launch hooks and warm pools: the readiness gate and the warm-pool script.
#include "hookd/config/ready_settings.hpp"

#include "table.hpp"

#include "hookd/core/time.hpp"
#include "hookd/notify/target.hpp"

namespace hookd::config {

outcome<ready_url> parse_ready_url(std::string_view url) {
  auto t = notify::parse_http_url(url, "--ready-http");
  if (!t) return t.error();
  return ready_url{std::move(t->ep), std::move(t->target), std::move(t->origin)};
}

namespace {
/// A duration within [lo, hi], for the gate's interval and timeout.
std::optional<std::string> set_ready_duration(std::chrono::milliseconds& out, const std::string& v, std::chrono::milliseconds lo,
                                              const char* range) {
  std::chrono::milliseconds d{};
  if (auto e = set_duration(d, v)) return e;
  if (d < lo || d > std::chrono::hours(48)) return std::string("a duration from ") + range + " to 48h (Auto Scaling's own limit)";
  out = d;
  return std::nullopt;
}

/// Printable text on one line: a value that reaches a log line or a request must not start a new one.
bool one_line(std::string_view v) {
  for (unsigned char c : v)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}
} // namespace

std::optional<std::string> ready_settings_conflict(const ready_config& r) {
  // As ready_gate schedules them: the first round at once, the next ones `interval` apart, none
  // later than round_bound() before the deadline (the last may come early, at that bound). So
  // with instant answers the gate can make `passes` rounds only when round passes-1 starts
  // before that latest start.
  if (!r.any() || r.passes <= 1 || (r.passes - 2) * r.interval + r.round_bound() < r.timeout) return std::nullopt;
  return std::to_string(r.passes) + " passing rounds (--ready-passes) " + format_duration(r.interval) +
         " apart (--ready-interval), the last given " + format_duration(r.round_bound()) + " (--ready-check-timeout " +
         format_duration(r.check_timeout) + " a check), cannot fit in --ready-timeout " + format_duration(r.timeout) +
         " (flags, HOOKD_READY_* variables or the config file): the gate could never pass; raise --ready-timeout or lower the others";
}

const std::vector<setting>& ready_settings() {
  static const std::vector<setting> t{
      {"--ready-http", "HOOKD_READY_HTTP", "URL",
       "launch: after the script, wait until a GET of this URL answers 2xx (e.g. http://127.0.0.1:8080/health)",
       [](settings& s, const std::string& v) -> std::optional<std::string> {
         if (v.empty()) {
           s.ready.http_url.clear();
           return std::nullopt;
         }
         // The URL is not echoed: its query may hold a token.
         if (auto u = parse_ready_url(v); !u)
           return "http(s)://host[:port][/path][?query], e.g. http://127.0.0.1:8080/health (" + u.error().message() + ")";
         s.ready.http_url = v;
         return std::nullopt;
       }},
      {"--ready-http-body", "HOOKD_READY_HTTP_BODY", "TEXT", "and the answer's body must contain TEXT",
       [](settings& s, const std::string& v) -> std::optional<std::string> {
         if (!one_line(v) || v.size() > 1024) return "text on one line, at most 1024 bytes";
         s.ready.http_body = v;
         return std::nullopt;
       }},
      {"--ready-command", "HOOKD_READY_COMMAND", "CMD",
       "launch: after the script, wait until this shell command exits 0 (run by /bin/sh -c, as the script is)",
       [](settings& s, const std::string& v) -> std::optional<std::string> {
         if (!one_line(v) || v.size() > 4096) return "a shell command on one line, at most 4096 bytes";
         s.ready.command = v;
         return std::nullopt;
       }},
      {"--ready-interval", "HOOKD_READY_INTERVAL", "DURATION", "how often the readiness checks run (default 5s)",
       [](settings& s, const std::string& v) { return set_ready_duration(s.ready.interval, v, std::chrono::seconds(1), "1s"); }},
      {"--ready-timeout", "HOOKD_READY_TIMEOUT", "DURATION",
       "how long the gate waits for readiness (default 10m; never past the hook's global timeout)",
       [](settings& s, const std::string& v) { return set_ready_duration(s.ready.timeout, v, std::chrono::seconds(1), "1s"); }},
      {"--ready-check-timeout", "HOOKD_READY_CHECK_TIMEOUT", "DURATION",
       "how long one check may take, a GET's answer or a --ready-command run (default 10s; cut to the gate's time left)",
       [](settings& s, const std::string& v) { return set_ready_duration(s.ready.check_timeout, v, std::chrono::seconds(1), "1s"); }},
      {"--ready-passes", "HOOKD_READY_PASSES", "N", "consecutive passes of every check that make the instance ready (default 2)",
       [](settings& s, const std::string& v) { return set_int(s.ready.passes, v, 1, 100, "a whole number from 1 to 100"); }},
      {"--ready-failure", "HOOKD_READY_FAILURE", "CONTINUE|ABANDON",
       "the result when the instance is not ready in time (default ABANDON: Auto Scaling replaces it)",
       [](settings& s, const std::string& v) { return set_result(s.ready.on_failure, v); }},
      {"--warm-script", "HOOKD_WARM_SCRIPT", "SCRIPT",
       "script for a leg into the warm pool (Destination WarmPool), in place of the launch or terminate script",
       [](settings& s, const std::string& v) { return set_script(s.on_warm, v); }},
  };
  return t;
}

} // namespace hookd::config
