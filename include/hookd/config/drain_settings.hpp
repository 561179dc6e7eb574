#pragma once
// SPDX-License-Identifier: Apache-2.0
// The drain settings (--drain, --drain-timeout, --drain-failure, --drain-target-groups,
// --ecs-cluster): what is drained before a terminate script runs, and how long it may take. Pure.
#include "hookd/core/error.hpp"

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace hookd::config {

/// What a drain that failed or timed out makes hookd do: run the script anyway, or complete the
/// action with ABANDON without running it.
enum class drain_failure { continue_script, abandon };

/// `--drain-target-groups`: the groups a load-balancer drain looks at. Empty: every group of the
/// region. Either a comma-separated list of target-group ARNs, or one `tag:KEY=VALUE`.
struct target_group_filter {
  std::vector<std::string> arns;
  std::string tag_key, tag_value;
  bool by_tag() const { return !tag_key.empty(); }
  bool everything() const { return arns.empty() && !by_tag(); }
};

/// At most this many ARNs in `--drain-target-groups` (one DescribeTargetGroups page).
inline constexpr std::size_t max_target_group_arns = 400;

outcome<target_group_filter> parse_target_group_filter(std::string_view text);

struct drain_config {
  bool elbv2 = false; ///< --drain elbv2: deregister this instance's ELBv2 targets and wait
  bool ecs = false;   ///< --drain ecs: set its ECS container instance DRAINING and wait
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
  drain_failure on_failure = drain_failure::continue_script;
  target_group_filter target_groups;
  std::string ecs_cluster; ///< empty: ECS_CLUSTER in /etc/ecs/ecs.config, else "default"
  bool any() const { return elbv2 || ecs; }
};

} // namespace hookd::config
