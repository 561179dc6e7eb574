// SPDX-License-Identifier: Apache-2.0
#include "hookd/agent/ready_gate.hpp"

#include <algorithm>

namespace hookd::agent {
using steady = std::chrono::steady_clock;

bool ready_gate_applies(const config::ready_config& settings, const lifecycle::lifecycle_action& a, std::string_view result,
                        std::string_view on_success) {
  return settings.any() && a.transition == lifecycle::transition::launch && !a.notice && !lifecycle::into_warm_pool(a) &&
         result == on_success;
}

steady::time_point ready_deadline(steady::time_point now, std::chrono::milliseconds timeout, steady::time_point global) {
  return std::min(now + timeout, global);
}

std::chrono::milliseconds ready_check_limit(steady::time_point now, steady::time_point deadline, std::chrono::milliseconds per_check) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
  return std::max(std::chrono::milliseconds(1), std::min(per_check, left));
}

ready_step ready_gate::after_round(bool passed, const std::string& why_not, steady::time_point now) {
  ++rounds_;
  if (passed) {
    if (++in_a_row_ >= needed_) return {ready_step::ready, now};
  } else {
    in_a_row_ = 0;
    last_failure_ = why_not;
  }
  const auto latest_start = deadline_ - per_round_;
  if (now + interval_ <= latest_start) return {ready_step::check_at, now + interval_};
  if (now < latest_start) return {ready_step::check_at, latest_start};
  return {ready_step::timed_out, std::max(now, deadline_)};
}

ready_check judge_http(unsigned status, std::string_view body, std::string_view wanted_text) {
  if (status < 200 || status >= 300) return {false, "HTTP " + std::to_string(status)};
  if (!wanted_text.empty() && body.find(wanted_text) == std::string_view::npos)
    return {false, "HTTP " + std::to_string(status) + " without the --ready-http-body text"};
  return {true, "HTTP " + std::to_string(status)};
}

ready_check judge_command(bool succeeded, std::string_view described, std::string_view last_line) {
  std::string line(described);
  // The supervisor's tail names the stream ("stdout: ..."): the line itself is what says why.
  for (std::string_view stream : {"stdout: ", "stderr: "})
    if (last_line.starts_with(stream)) last_line.remove_prefix(stream.size());
  if (!last_line.empty()) line += ": " + std::string(last_line.substr(0, 200));
  return {succeeded, std::move(line)};
}

} // namespace hookd::agent
