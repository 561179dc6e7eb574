#pragma once
// SPDX-License-Identifier: Apache-2.0
// What instance metadata says about this instance's end, read without I/O: the Auto Scaling target
// lifecycle state, the Spot interruption notice, the rebalance recommendation and scheduled
// maintenance events (whose dates are not RFC 3339). The IMDS source polls; this decides.
#include "hookd/core/error.hpp"
#include "hookd/core/time.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookd::lifecycle {

enum class target_state { in_service, terminated, detached, standby, warmed, other };
/// `autoscaling/target-lifecycle-state`: InService, Terminated, Detached, Standby, Warmed:*.
target_state parse_target_state(std::string_view text);

/// `spot/instance-action`: {"action":"terminate|stop|hibernate","time":"2017-09-18T08:22:00Z"}.
struct spot_notice {
  std::string action;
  sys_time time;
};
outcome<spot_notice> parse_spot_notice(std::string_view json_text);

/// `events/recommendations/rebalance`: {"noticeTime":"2020-11-05T08:22:00Z"}.
outcome<sys_time> parse_rebalance_notice(std::string_view json_text);

/// One entry of `events/maintenance/scheduled`.
struct maintenance_event {
  std::string id, code, description, state; ///< state: active, completed, canceled
  std::optional<sys_time> not_before, not_after;
  /// instance-stop, instance-retirement and system-reboot end or interrupt the instance: the
  /// script mode runs the terminate script before them. instance-reboot keeps the instance.
  bool ends_instance() const;
};
/// The JSON array, dates like "21 Jan 2019 09:00:43 GMT"; NotAfter may be empty.
outcome<std::vector<maintenance_event>> parse_maintenance_events(std::string_view json_text);
/// "21 Jan 2019 09:00:43 GMT" (the day may have one digit).
outcome<sys_time> parse_event_date(std::string_view text);

/// The key a maintenance event is remembered by: a change of state or dates is logged again.
std::string maintenance_fingerprint(const maintenance_event& e);

} // namespace hookd::lifecycle
