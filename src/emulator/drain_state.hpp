#pragma once
// SPDX-License-Identifier: Apache-2.0
// The emulator's Elastic Load Balancing v2 and ECS state (elbv2.cpp, ecs.cpp). States that pass
// with time (draining, stopping) are computed from timestamps when asked, so no timer runs.
#include "hookd/emulator/drain_services.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hookd::emulator {

struct elbv2_state {
  struct registration {
    std::string id;
    int port = 0;
    std::optional<std::chrono::steady_clock::time_point> deregistered; ///< draining since
  };
  struct group {
    std::string arn;
    target_group_spec spec;
    std::vector<registration> targets;
  };
  std::vector<group> groups; ///< in creation order, as DescribeTargetGroups pages them
  int page_limit = 400;      ///< the largest page the emulator answers (tests page with less)
};

struct ecs_state {
  struct task {
    std::string arn;
    std::optional<std::chrono::milliseconds> stops_after;
  };
  struct instance {
    std::string arn, cluster, ec2_instance_id;
    std::optional<std::chrono::steady_clock::time_point> draining_since;
    std::vector<task> tasks;
  };
  std::vector<instance> instances;
  bool filter_ignored = false; ///< ListContainerInstances answers every instance of the cluster
};

} // namespace hookd::emulator
