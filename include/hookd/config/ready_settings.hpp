#pragma once
// SPDX-License-Identifier: Apache-2.0
// The settings of launch hooks and warm pools (--ready-http, --ready-http-body, --ready-command,
// --ready-interval, --ready-timeout, --ready-check-timeout, --ready-passes, --ready-failure,
// --warm-script): what the readiness gate waits for after a launch script, and which script a
// leg into the warm pool runs. Pure.
#include "hookd/core/error.hpp"
#include "hookd/http/url.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace hookd::config {

/// The readiness gate (agent/ready_phase): after a launch script succeeded, the action is
/// completed with CONTINUE only once every configured check has passed `passes` times in a row.
struct ready_config {
  std::string http_url;  ///< --ready-http: a GET must answer 2xx (empty: no HTTP check)
  std::string http_body; ///< --ready-http-body: and its body must contain this (empty: any body)
  std::string command;   ///< --ready-command: run by /bin/sh -c under the supervisor, must exit 0 (empty: none)
  std::chrono::milliseconds interval{std::chrono::seconds(5)};
  std::chrono::milliseconds timeout{std::chrono::minutes(10)}; ///< never past the action's global timeout
  /// --ready-check-timeout: one GET's answer or one run of the command; a check still going then
  /// fails (a health endpoint that hangs is not ready). Cut to the gate's time left.
  std::chrono::milliseconds check_timeout{std::chrono::seconds(10)};
  int passes = 2;
  std::string on_failure = "ABANDON"; ///< the result when the gate times out
  bool any() const { return !http_url.empty() || !command.empty(); }
  /// The longest a round may take: its checks run one after the other, each within check_timeout.
  std::chrono::milliseconds round_bound() const { return check_timeout * ((http_url.empty() ? 0 : 1) + (command.empty() ? 0 : 1)); }
};

/// Settings under which the gate could never pass, even with instant answers (ready_gate could
/// not start `passes` rounds before the deadline less round_bound()), as the one line that says
/// so; nullopt when they fit or no check is set.
std::optional<std::string> ready_settings_conflict(const ready_config& r);

/// A readiness URL, split for the HTTP client. Its path and query are never logged (a token in a
/// query is not unheard of): logs and errors name it by its origin.
struct ready_url {
  http::endpoint ep;
  std::string target; ///< path and query, "/" when none
  std::string origin; ///< "http://127.0.0.1:8080"
};

/// `http://` or `https://` host[:port][/path][?query]; no credentials, no fragment. The error
/// never repeats the path or query.
outcome<ready_url> parse_ready_url(std::string_view url);

} // namespace hookd::config
