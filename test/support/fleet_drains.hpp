#pragma once
// SPDX-License-Identifier: Apache-2.0
// The fleet bench's drain pass, its accounting kept apart from processes and sockets: where each
// instance is registered, whether each drained instance deregistered exactly its own
// registrations, and how many requests a drain may cost. Pure.
#include <algorithm>
#include <cstddef>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace hookd::fleet {

/// One registration of an instance: in target group `group` (an index), by its instance id in an
/// `instance` group or by its private IP in an `ip` group, on `port`.
struct registration {
  std::size_t group = 0;
  std::string id;
  int port = 0;
  friend auto operator<=>(const registration&, const registration&) = default;
};

struct drain_layout {
  std::size_t groups = 0;
  std::vector<bool> ip_group;                              ///< per group: an `ip` group
  std::map<std::string, std::vector<registration>> of;     ///< instance -> its registrations, sorted
  std::vector<std::vector<registration>> in;               ///< group -> every registration in it
  std::size_t groups_per_instance = 2;
};

/// Every third group is an `ip` group. Instance k of `instances` is in two groups, k and
/// k + groups/2 + 1 (mod groups): in the first on ports 80 and 8080, in the second on 443.
/// `ips[k]` is instance k's private IP. Needs at least 3 groups, so the two differ.
inline drain_layout plan_drain_layout(const std::vector<std::string>& instances, const std::vector<std::string>& ips,
                                      std::size_t groups) {
  drain_layout l;
  l.groups = std::max<std::size_t>(groups, 3);
  l.in.resize(l.groups);
  for (std::size_t g = 0; g < l.groups; ++g) l.ip_group.push_back(g % 3 == 2);
  for (std::size_t k = 0; k < instances.size(); ++k) {
    const std::size_t first = k % l.groups, second = (k + l.groups / 2 + 1) % l.groups;
    auto id_in = [&](std::size_t g) { return l.ip_group[g] ? ips.at(k) : instances[k]; };
    std::vector<registration> mine{{first, id_in(first), 80}, {first, id_in(first), 8080}, {second, id_in(second), 443}};
    std::sort(mine.begin(), mine.end());
    for (const auto& r : mine) l.in[r.group].push_back(r);
    l.of[instances[k]] = std::move(mine);
  }
  return l;
}

/// The instances whose agents did not deregister exactly their own registrations: a drained
/// instance must have deregistered each of its registrations once and nothing else; one that
/// was not scaled in must have deregistered nothing. `deregistered`: instance -> what its
/// agent's successful DeregisterTargets calls named. Each problem is one line.
inline std::vector<std::string> deregistration_problems(const drain_layout& l, const std::vector<std::string>& drained,
                                                        std::map<std::string, std::vector<registration>> deregistered) {
  std::vector<std::string> out;
  for (const auto& [instance, own] : l.of) {
    auto& did = deregistered[instance];
    std::sort(did.begin(), did.end());
    const bool was_drained = std::find(drained.begin(), drained.end(), instance) != drained.end();
    const auto& want = was_drained ? own : std::vector<registration>{};
    if (did != want)
      out.push_back(instance + (was_drained ? " (drained)" : " (not scaled in)") + ": deregistered " +
                    std::to_string(did.size()) + " registrations, expected exactly its " + std::to_string(want.size()));
  }
  return out;
}

/// The most describe/deregister requests one instance's ELBv2 drain may send when nothing is
/// throttled: the scan (ceil(G/page) DescribeTargetGroups and G DescribeTargetHealth), then for
/// each of the M groups holding it DescribeTargetGroupAttributes, DeregisterTargets and its
/// polls. Polls are a tenth of the delay apart, jittered down to 0.8 of that: at most 12 before
/// the delay is over (when every group has the same delay, as in the bench).
inline std::size_t elbv2_request_bound(std::size_t groups, std::size_t page, std::size_t holding) {
  constexpr std::size_t polls = 12;
  return (groups + page - 1) / page + groups + holding * (2 + polls);
}

/// The same for ECS: ListContainerInstances, DescribeContainerInstances and
/// UpdateContainerInstancesState once; then a first look and polls a twentieth of the budget
/// apart (jittered down to 0.8: 25 more), each a DescribeContainerInstances plus, once the counts
/// read 0, two ListTasks and a DescribeTasks.
inline std::size_t ecs_request_bound() {
  constexpr std::size_t polls = 26;
  return 3 + polls * 4;
}

} // namespace hookd::fleet
