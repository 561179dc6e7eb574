// SPDX-License-Identifier: Apache-2.0
#include "hookd/drain/elbv2_plan.hpp"

#include <algorithm>

namespace hookd::drain {

own_registrations find_own(const aws::target_group& group, const std::vector<aws::target_health>& answer,
                           const std::string& instance_id, const std::vector<std::string>& private_ips) {
  own_registrations out;
  const auto ours = [&](const std::string& id) {
    if (group.target_type == "instance") return !instance_id.empty() && id == instance_id;
    if (group.target_type == "ip") return std::find(private_ips.begin(), private_ips.end(), id) != private_ips.end();
    return false; // lambda and alb targets are never an instance's
  };
  for (const auto& h : answer) {
    if (!ours(h.target.id) || h.state == "unused") continue;
    if (std::find(out.wait_for.begin(), out.wait_for.end(), h.target) != out.wait_for.end()) continue;
    out.wait_for.push_back(h.target);
    if (h.state != "draining") out.deregister.push_back(h.target);
  }
  return out;
}

bool settled(const std::vector<aws::target_health>& answer, const aws::target_ref& target) {
  for (const auto& h : answer) {
    // An answer without a port names the registration whatever its port.
    const bool same = h.target.id == target.id && (h.target.port == target.port || h.target.port == 0 || target.port == 0);
    if (same && h.state != "unused") return false;
  }
  return true;
}

std::chrono::milliseconds poll_interval(std::chrono::milliseconds span, const poll_timing& t, int polls) {
  return std::clamp(span / std::max(polls, 1), t.min, std::max(t.min, t.max));
}

bool tag_matches(const std::map<std::string, std::string>& tags, const config::target_group_filter& filter) {
  if (!filter.by_tag()) return true;
  auto it = tags.find(filter.tag_key);
  return it != tags.end() && it->second == filter.tag_value;
}

} // namespace hookd::drain
