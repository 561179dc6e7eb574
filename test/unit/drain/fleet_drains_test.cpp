// SPDX-License-Identifier: Apache-2.0
// The fleet bench's drain-pass accounting (support/fleet_drains.hpp): the layout it registers,
// the check that each drained instance left exactly its own groups, and the request bounds.
#include "support/fleet_drains.hpp"

#include <gtest/gtest.h>

#include <set>

using hookd::fleet::registration;

namespace {

hookd::fleet::drain_layout three_in_six() {
  return hookd::fleet::plan_drain_layout({"i-a", "i-b", "i-c"}, {"10.0.0.1", "10.0.0.2", "10.0.0.3"}, 6);
}

} // namespace

TEST(fleet_drains, each_instance_is_in_two_distinct_groups_by_id_or_by_ip_as_the_group_registers) {
  const auto l = three_in_six();
  ASSERT_EQ(l.groups, 6u);
  EXPECT_EQ(l.ip_group, (std::vector<bool>{false, false, true, false, false, true}));
  for (const auto& [instance, regs] : l.of) {
    ASSERT_EQ(regs.size(), 3u) << instance;
    std::set<std::size_t> groups;
    for (const auto& r : regs) {
      groups.insert(r.group);
      EXPECT_EQ(r.id.starts_with("10.0.0."), l.ip_group[r.group]) << instance << " in group " << r.group;
    }
    EXPECT_EQ(groups.size(), 2u) << instance;
  }
  // i-c (k = 2) is in group 2, an ip group (by 10.0.0.3, ports 80 and 8080), and group 0 (443).
  EXPECT_EQ(l.of.at("i-c"), (std::vector<registration>{{0, "i-c", 443}, {2, "10.0.0.3", 80}, {2, "10.0.0.3", 8080}}));
  std::size_t held = 0;
  for (const auto& g : l.in) held += g.size();
  EXPECT_EQ(held, 9u);
}

TEST(fleet_drains, fewer_than_three_groups_are_raised_to_three_so_an_instance_is_still_in_two) {
  const auto l = hookd::fleet::plan_drain_layout({"i-a"}, {"10.0.0.1"}, 1);
  EXPECT_EQ(l.groups, 3u);
  EXPECT_NE(l.of.at("i-a").front().group, l.of.at("i-a").back().group);
}

TEST(fleet_drains, a_drained_instance_that_deregistered_exactly_its_registrations_is_no_problem) {
  const auto l = three_in_six();
  EXPECT_TRUE(hookd::fleet::deregistration_problems(l, {"i-b"}, {{"i-b", l.of.at("i-b")}}).empty());
}

TEST(fleet_drains, a_missing_a_doubled_or_a_foreign_deregistration_is_named) {
  const auto l = three_in_six();
  auto own = l.of.at("i-a");
  auto missing = own;
  missing.pop_back();
  auto doubled = own;
  doubled.push_back(own.front());
  auto foreign = own;
  foreign.push_back(l.of.at("i-b").front());
  for (const auto& did : {missing, doubled, foreign}) {
    const auto p = hookd::fleet::deregistration_problems(l, {"i-a"}, {{"i-a", did}});
    ASSERT_EQ(p.size(), 1u);
    EXPECT_NE(p[0].find("i-a (drained)"), std::string::npos) << p[0];
  }
}

TEST(fleet_drains, an_instance_not_scaled_in_must_deregister_nothing_and_a_drained_one_something) {
  const auto l = three_in_six();
  const auto p = hookd::fleet::deregistration_problems(l, {"i-a"}, {{"i-c", l.of.at("i-c")}});
  ASSERT_EQ(p.size(), 2u);
  EXPECT_NE(p[0].find("i-a (drained): deregistered 0"), std::string::npos) << p[0];
  EXPECT_NE(p[1].find("i-c (not scaled in)"), std::string::npos) << p[1];
}

TEST(fleet_drains, the_request_bounds_count_the_scan_pages_and_the_groups_that_hold_the_instance) {
  // 40 groups, 20 a page: 2 DescribeTargetGroups + 40 DescribeTargetHealth, then 2 groups x (2 + 12).
  EXPECT_EQ(hookd::fleet::elbv2_request_bound(40, 20, 2), 2u + 40u + 28u);
  EXPECT_EQ(hookd::fleet::elbv2_request_bound(41, 20, 2), 3u + 41u + 28u);
  EXPECT_EQ(hookd::fleet::ecs_request_bound(), 3u + 26u * 4u);
}
