#pragma once
// SPDX-License-Identifier: Apache-2.0
// What a test sets up in the emulator's Elastic Load Balancing v2 and ECS: target groups with
// their registrations, and container instances with tasks that stop over time once DRAINING.
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hookd::emulator {

struct target_spec {
  std::string id; ///< an instance id, or an IP in an `ip` group
  int port = 80;
};

struct target_group_spec {
  std::string name;
  std::string target_type = "instance"; ///< instance | ip | lambda
  int port = 80;                        ///< the group's port: a target named without one uses it
  int deregistration_delay_s = 300;     ///< the attribute deregistration_delay.timeout_seconds
  /// How long a deregistered target reads `draining` before it is gone (default: the delay), so a
  /// test can keep the attribute's meaning and still pass in milliseconds.
  std::optional<std::chrono::milliseconds> draining_for;
  std::map<std::string, std::string> tags;
  std::vector<target_spec> targets;
};

/// A registration as the emulator holds it now.
struct target_view {
  std::string id;
  int port = 0;
  std::string state; ///< healthy | draining
};

struct ecs_task_spec {
  /// After the instance is set DRAINING, how long until the task is STOPPED; over the last 60% of
  /// it the task reads DEACTIVATING, STOPPING, DEPROVISIONING (counted in no runningTasksCount).
  /// nullopt: it never stops, as a standalone task that ECS does not stop for a drain.
  std::optional<std::chrono::milliseconds> stops_after;
};

struct container_instance_spec {
  std::string cluster = "default";
  std::string ec2_instance_id;
  std::vector<ecs_task_spec> tasks;
};

} // namespace hookd::emulator
