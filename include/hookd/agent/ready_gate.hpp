#pragma once
// SPDX-License-Identifier: Apache-2.0
// The readiness gate's decisions, with the clock passed in: when the gate must be over, whether a
// run has it, what a round of checks means (consecutive passes, a failure starting over), when the
// next round comes, and the one line that says why a check failed. Pure; agent/ready_phase does
// the I/O.
#include "hookd/config/ready_settings.hpp"
#include "hookd/lifecycle/notification.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace hookd::agent {

/// One check's answer: passed, or why not in one line ("HTTP 503", "exit 1: last line").
struct ready_check {
  bool passed = false;
  std::string detail;
};

/// The gate runs for a launch into the group (not a leg into the warm pool), when a check is
/// configured, and only after the launch script succeeded (`result` is the success result).
bool ready_gate_applies(const config::ready_config& settings, const lifecycle::lifecycle_action& a, std::string_view result,
                        std::string_view on_success);

/// When the gate gives up: --ready-timeout from now, never past the action's global timeout.
std::chrono::steady_clock::time_point ready_deadline(std::chrono::steady_clock::time_point now, std::chrono::milliseconds timeout,
                                                     std::chrono::steady_clock::time_point global);

/// How long one check may take: `per_check`, cut to the time left (at least 1 ms, so a check that
/// starts at the deadline still ends).
std::chrono::milliseconds ready_check_limit(std::chrono::steady_clock::time_point now, std::chrono::steady_clock::time_point deadline,
                                            std::chrono::milliseconds per_check);

/// What the gate does next.
struct ready_step {
  enum kind { check_at, ready, timed_out } what = check_at;
  /// check_at: when the next round runs; timed_out: when the gate ends (the deadline: the failure
  /// result comes at the timeout, not before).
  std::chrono::steady_clock::time_point at{};
};

/// Counts rounds of checks: a round passes when every configured check passed; `passes` rounds in
/// a row make the instance ready, a failed round starts the count over. Rounds come every
/// `interval`; none starts later than `per_round` (each configured check's bound, as they run one
/// after the other) before the deadline, so the last one has its whole time to answer (one cut
/// short by the deadline would say only "time limit hit"). When no
/// round is left, the gate has timed out, at the deadline.
class ready_gate {
public:
  ready_gate(int passes, std::chrono::milliseconds interval, std::chrono::milliseconds per_round,
             std::chrono::steady_clock::time_point deadline)
      : needed_(passes < 1 ? 1 : passes), interval_(interval), per_round_(per_round), deadline_(deadline) {}
  /// After a round that ended at `now`: its checks' answers, every one of them.
  ready_step after_round(bool passed, const std::string& why_not, std::chrono::steady_clock::time_point now);
  int in_a_row() const { return in_a_row_; }
  int rounds() const { return rounds_; }
  /// The last failed check's line ("HTTP 503"); empty when none failed.
  const std::string& last_failure() const { return last_failure_; }
  std::chrono::steady_clock::time_point deadline() const { return deadline_; }

private:
  int needed_;
  std::chrono::milliseconds interval_, per_round_;
  std::chrono::steady_clock::time_point deadline_;
  int in_a_row_ = 0, rounds_ = 0;
  std::string last_failure_;
};

/// "HTTP 503" / "HTTP 200 without the expected body text": the HTTP check's verdict on an answer.
ready_check judge_http(unsigned status, std::string_view body, std::string_view wanted_text);
/// "exit 1: <last output line>" / "killed by ...": the command check's line, from the supervisor's
/// description and the output's last line (cut to 200 bytes).
ready_check judge_command(bool succeeded, std::string_view described, std::string_view last_line);

} // namespace hookd::agent
