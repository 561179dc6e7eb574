// SPDX-License-Identifier: Apache-2.0
#include "hookd/agent/transition_runs.hpp"

#include <algorithm>

namespace hookd::agent {

bool final_leg(const std::string& target) { return target == "Terminated" || target == "spot"; }

bool warm_leg(const std::string& target) { return target.rfind("Warmed:", 0) == 0; }

std::vector<std::string> hook_names(const std::string& joined) {
  std::vector<std::string> out;
  for (std::size_t pos = 0; pos < joined.size();) {
    const auto comma = std::min(joined.find(',', pos), joined.size());
    if (comma > pos) out.push_back(joined.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return out;
}

std::chrono::milliseconds limit_before(std::chrono::milliseconds left, std::chrono::milliseconds grace,
                                       std::chrono::milliseconds limit) {
  using namespace std::chrono_literals;
  return std::min(std::max(left - grace - 5000ms, 1000ms), limit);
}

bool still_in_transition(const std::string& state, lifecycle::transition transition, const std::string& target) {
  if (warm_leg(target)) return state == "Warmed:Pending" || state == "Warmed:Pending:Wait";
  if (transition == lifecycle::transition::terminate) return state == "Terminating" || state == "Terminating:Wait";
  return state == "Pending" || state == "Pending:Wait";
}

void forget_other_legs(std::map<lifecycle::transition, transition_run>& runs, const std::string& target) {
  std::erase_if(runs, [&](const auto& entry) {
    const auto& run = entry.second;
    return run.finished && run.target != target && (!run.target.empty() || warm_leg(target));
  });
}

std::optional<instance_event> event_of_group_state(const std::string& state) {
  if (state == "Terminating" || state == "Terminating:Wait")
    return instance_event{lifecycle::transition::terminate, "group", "Terminated", false, std::nullopt};
  if (state == "Pending" || state == "Pending:Wait")
    return instance_event{lifecycle::transition::launch, "group", "InService", false, std::nullopt};
  return std::nullopt;
}

namespace {
run_choice from_metadata(const transition_run& run, const lifecycle::lifecycle_action& a) {
  if (!run.instance_word) return warm_leg(a.target) ? run_choice::own_run : run_choice::attach;
  const bool same_leg = run.target == a.target || (final_leg(run.target) && final_leg(a.target));
  return same_leg ? run_choice::attach : run_choice::own_run;
}

run_choice from_queue(const transition_run& run, const lifecycle::lifecycle_action& a) {
  if (!run.hooks.count(a.hook)) return run_choice::attach;
  if (run.instance_word && (run.completing > 0 || final_leg(run.target))) return run_choice::attach;
  return run_choice::own_run;
}
} // namespace

run_choice choose_run(const transition_run* run, const lifecycle::lifecycle_action& a) {
  if (a.notice || !run) return run_choice::own_run;
  if (!run->finished) return run_choice::attach;
  return a.by_instance() ? from_metadata(*run, a) : from_queue(*run, a);
}

} // namespace hookd::agent
