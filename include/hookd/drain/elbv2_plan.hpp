#pragma once
// SPDX-License-Identifier: Apache-2.0
// The load-balancer drain's decisions, apart from its I/O: which registrations of a target group
// are this instance's, when one is settled, how often to look, which groups a tag filter keeps.
// Pure.
#include "hookd/aws/elbv2.hpp"
#include "hookd/config/drain_settings.hpp"

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace hookd::drain {

/// This instance's registrations in one group, read from a DescribeTargetHealth answer without
/// `Targets` (every registration of the group, anybody's).
struct own_registrations {
  std::vector<aws::target_ref> deregister; ///< registered and not yet draining: to deregister
  std::vector<aws::target_ref> wait_for;   ///< everything to wait for (the above, and any already draining)
};

/// By instance id in an `instance` group, by one of `private_ips` in an `ip` group; nothing in
/// a `lambda` or `alb` group. `unused` targets are not registered; exact (id, port) pairs, once each.
own_registrations find_own(const aws::target_group& group, const std::vector<aws::target_health>& answer,
                           const std::string& instance_id, const std::vector<std::string>& private_ips);

/// Gone from the answer, or `unused`: the load balancer sends it nothing more.
bool settled(const std::vector<aws::target_health>& answer, const aws::target_ref& target);

/// How often a drain looks. Polls are spaced `span / polls` (a group's deregistration delay, or
/// the ECS drain's time budget), held between `min` and `max`, so the number of polls is bounded
/// whatever the span; each wait is jittered ±20% so a fleet draining together spreads its calls.
struct poll_timing {
  std::chrono::milliseconds min{std::chrono::seconds(2)};
  std::chrono::milliseconds max{std::chrono::seconds(30)};
};
std::chrono::milliseconds poll_interval(std::chrono::milliseconds span, const poll_timing& t, int polls);

/// Whether a group's tags pass a `tag:KEY=VALUE` filter (true for a filter without a tag).
bool tag_matches(const std::map<std::string, std::string>& tags, const config::target_group_filter& filter);

} // namespace hookd::drain
