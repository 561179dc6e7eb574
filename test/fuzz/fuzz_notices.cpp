// SPDX-License-Identifier: Apache-2.0
// Instance-metadata notices: the target lifecycle state, Spot, rebalance and scheduled
// maintenance (with EC2's own date format), and the status file `hookd status` reads.
#include "hookd/agent/status.hpp"
#include "hookd/lifecycle/notices.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)hookd::lifecycle::parse_target_state(text);
  (void)hookd::lifecycle::parse_spot_notice(text);
  (void)hookd::lifecycle::parse_rebalance_notice(text);
  (void)hookd::lifecycle::parse_event_date(text);
  if (auto events = hookd::lifecycle::parse_maintenance_events(text))
    for (const auto& e : *events) (void)hookd::lifecycle::maintenance_fingerprint(e);
  if (auto s = hookd::agent::parse_status_json(text)) (void)hookd::agent::metrics_text(*s);
  return 0;
}
