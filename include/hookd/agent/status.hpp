#pragma once
// SPDX-License-Identifier: Apache-2.0
// What a running hookd tells the outside, without I/O: the state file `hookd status` reads
// (STATE/status.json), the node_exporter textfile (--metrics-file), and the health rule that
// `hookd status` exits with. Label sets are bounded: never an instance id or a token as a label.
#include "hookd/core/error.hpp"
#include "hookd/core/time.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace hookd::agent {

struct source_status {
  std::string name;                     ///< "queue" or "imds"
  std::chrono::milliseconds interval{}; ///< how often it polls (a long poll's wait for the queue)
  std::optional<sys_time> last_poll, last_ok;
  std::string last_error;               ///< empty when the last poll succeeded
};

struct running_status {
  std::string token, transition, hook, trigger;
  sys_time started{};
  std::optional<sys_time> next_heartbeat;
  std::string phase;            ///< the pipeline's phase: "confirm", "drain", "script", "ready"
  sys_time phase_started{};
};

struct result_status {
  std::string token, transition, hook, trigger, result, completed;
  sys_time finished{};
  std::chrono::milliseconds script_duration{};
  bool script_started = false; ///< this action started the script (an attached one did not)
};

struct status_snapshot {
  long pid = 0;
  std::string version, instance, group;
  sys_time started{}, updated{};
  std::deque<source_status> sources; ///< a deque: sources keep a reference to their entry
  std::optional<running_status> running;
  std::deque<result_status> results; ///< the last few, newest last
  static constexpr std::size_t results_kept = 10;

  // Counters, for the metrics file.
  std::map<std::tuple<std::string, std::string, std::string>, std::uint64_t> actions; ///< (trigger, transition, result)
  double script_seconds = 0;
  std::uint64_t scripts = 0, heartbeats = 0;
  std::map<std::pair<std::string, std::string>, std::uint64_t> aws_calls; ///< (service, code)
  std::map<std::string, std::uint64_t> notices;                          ///< spot, rebalance, maintenance
  std::map<std::pair<std::string, std::string>, std::uint64_t> drains;   ///< (kind, result): elbv2|ecs x ok|timeout|failed|none
  std::map<std::string, double> drain_seconds;                           ///< by kind
  std::map<std::string, std::uint64_t> ready_gates;                      ///< readiness gates by end: ready, not_ready
  std::map<std::pair<std::string, std::string>, std::uint64_t> ready_checks; ///< (check, result): http|command x pass|fail
  double ready_seconds = 0;                                              ///< time launches waited in the gate
  std::map<std::string, std::uint64_t> notifications;                    ///< delivered, failed, dropped (webhooks, SNS)

  source_status& source(const std::string& name);
  void add_result(result_status r);
  /// Counts one finished action and keeps it among the results. Its script counts when it was
  /// started, whatever its duration: a script can end within the millisecond it began.
  void record_action(result_status r, std::uint64_t action_heartbeats);
};

/// A running hookd writes its state file and metrics when what they say changes, never to keep
/// them fresh (issue 28): the poll times in the state file are as of its last change.
std::string status_json(const status_snapshot& s);
outcome<status_snapshot> parse_status_json(std::string_view text);
/// node_exporter textfile format (# HELP / # TYPE, one sample a line). It holds no clock
/// reading, so a poll alone leaves it as it was and it is not written again.
std::string metrics_text(const status_snapshot& s);

struct health {
  bool ok = true;
  std::vector<std::string> problems; ///< one line each, with what to do
};
/// Healthy: hookd runs (`running`: it holds the state directory's lock, which no write keeps
/// fresh), and every source has succeeded, none failing for longer than three of its intervals
/// (at least a minute) since its last success. A source's failure is written at once, so a state
/// file unchanged for hours is an idle hookd's, not a stale one.
health judge(const status_snapshot& s, sys_time now, bool running);

} // namespace hookd::agent
