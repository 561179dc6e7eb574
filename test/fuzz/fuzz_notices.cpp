// SPDX-License-Identifier: Apache-2.0
// Instance-metadata notices: the target lifecycle state, Spot, rebalance and scheduled
// maintenance (with EC2's own date format), each leg's key and run rule, and the status file
// `hookd status` reads.
#include "hookd/agent/status.hpp"
#include "hookd/agent/transition_runs.hpp"
#include "hookd/lifecycle/notices.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // A target state becomes a leg of an action: its key, and the runner's rule for it.
  (void)hookd::lifecycle::parse_target_state(text);
  hookd::lifecycle::lifecycle_action a;
  a.source = hookd::lifecycle::action_source::instance;
  a.target = std::string(text);
  a.token = hookd::lifecycle::instance_action_key("i-self", "launch", a.target);
  hookd::agent::transition_run run;
  run.finished = true;
  run.instance_word = true;
  run.target = std::string(text.substr(0, text.size() / 2));
  (void)hookd::agent::choose_run(&run, a);
  (void)hookd::agent::still_in_transition(std::string(text), a.transition, a.target);
  (void)hookd::lifecycle::parse_spot_notice(text);
  (void)hookd::lifecycle::parse_rebalance_notice(text);
  (void)hookd::lifecycle::parse_event_date(text);
  if (auto events = hookd::lifecycle::parse_maintenance_events(text))
    for (const auto& e : *events) (void)hookd::lifecycle::maintenance_fingerprint(e);
  if (auto s = hookd::agent::parse_status_json(text)) (void)hookd::agent::metrics_text(*s);
  return 0;
}
