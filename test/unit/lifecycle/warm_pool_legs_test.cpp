// SPDX-License-Identifier: Apache-2.0
// Origin and Destination (issue 26): read from each notification shape, and derived from the
// target lifecycle state when instance metadata is the trigger.
#include "hookd/lifecycle/notification.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

using namespace hookd;
using namespace hookd::lifecycle;

namespace {
boost::json::object warm_launch_fields() {
  return {{"Origin", "EC2"},
          {"Destination", "WarmPool"},
          {"LifecycleHookName", "boot"},
          {"LifecycleTransition", "autoscaling:EC2_INSTANCE_LAUNCHING"},
          {"AutoScalingGroupName", "my-asg"},
          {"EC2InstanceId", "i-0123"},
          {"LifecycleActionToken", "tok-w"}};
}

lifecycle_action parsed(const std::string& body) {
  auto n = parse_notification(body);
  auto* a = std::get_if<lifecycle_action>(&n);
  EXPECT_TRUE(a) << body;
  return a ? *a : lifecycle_action{};
}
} // namespace

TEST(warm_pool_legs, origin_and_destination_come_from_a_direct_body) {
  auto a = parsed(boost::json::serialize(warm_launch_fields()));
  EXPECT_EQ(a.shape, "direct");
  EXPECT_EQ(a.origin, "EC2");
  EXPECT_EQ(a.destination, "WarmPool");
  EXPECT_TRUE(into_warm_pool(a));
}

TEST(warm_pool_legs, origin_and_destination_come_from_an_sns_envelope_s_message) {
  auto inner = warm_launch_fields();
  inner["Origin"] = "WarmPool";
  inner["Destination"] = "AutoScalingGroup";
  boost::json::object env{{"Type", "Notification"}, {"MessageId", "m"}, {"TopicArn", "arn"}, {"Message", boost::json::serialize(inner)}};
  auto a = parsed(boost::json::serialize(env));
  EXPECT_EQ(a.shape, "sns");
  EXPECT_EQ(a.origin, "WarmPool");
  EXPECT_EQ(a.destination, "AutoScalingGroup");
  EXPECT_FALSE(into_warm_pool(a));
}

TEST(warm_pool_legs, origin_and_destination_come_from_eventbridge_s_detail_for_both_detail_types) {
  for (const auto* type : {"EC2 Instance-launch Lifecycle Action", "EC2 Instance-terminate Lifecycle Action"}) {
    auto detail = warm_launch_fields();
    if (std::string_view(type).find("terminate") != std::string_view::npos) {
      detail["LifecycleTransition"] = "autoscaling:EC2_INSTANCE_TERMINATING";
      detail["Origin"] = "AutoScalingGroup"; // scale-in back into the pool
    }
    boost::json::object ev{{"version", "0"}, {"id", "e"}, {"detail-type", type}, {"source", "aws.autoscaling"},
                           {"time", "2026-01-01T00:00:00Z"}, {"detail", detail}};
    // Top-level keys of the same name are not the action's: only `detail` speaks for it.
    ev["Destination"] = "EC2";
    auto a = parsed(boost::json::serialize(ev));
    EXPECT_EQ(a.shape, "eventbridge");
    EXPECT_EQ(a.destination, "WarmPool") << type;
    EXPECT_EQ(a.origin, detail["Origin"].as_string().c_str()) << type;
  }
}

TEST(warm_pool_legs, a_notification_without_them_or_with_a_place_aws_does_not_name_has_none) {
  auto fields = warm_launch_fields();
  fields.erase("Origin");
  fields["Destination"] = "warmpool"; // not AWS's spelling
  auto a = parsed(boost::json::serialize(fields));
  EXPECT_EQ(a.origin, "");
  EXPECT_EQ(a.destination, "");
  EXPECT_FALSE(into_warm_pool(a));
  fields["Destination"] = boost::json::array{"WarmPool"}; // not a string
  EXPECT_EQ(parsed(boost::json::serialize(fields)).destination, "");
}

TEST(warm_pool_legs, metadata_s_target_state_gives_the_leg) {
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(leg_of_target(transition::launch, "Warmed:Stopped"), (P{"EC2", "WarmPool"}));
  EXPECT_EQ(leg_of_target(transition::launch, "Warmed:Hibernated"), (P{"EC2", "WarmPool"}));
  EXPECT_EQ(leg_of_target(transition::launch, "Warmed:Running"), (P{"EC2", "WarmPool"}));
  EXPECT_EQ(leg_of_target(transition::terminate, "Warmed:Running"), (P{"AutoScalingGroup", "WarmPool"})) << "scale-in into the pool";
  EXPECT_EQ(leg_of_target(transition::terminate, "Warmed:Terminated"), (P{"WarmPool", "EC2"}));
  EXPECT_EQ(leg_of_target(transition::launch, "InService"), (P{"", "AutoScalingGroup"})) << "EC2 or the pool: metadata cannot tell";
  EXPECT_EQ(leg_of_target(transition::terminate, "Terminated"), (P{"AutoScalingGroup", "EC2"}));
  EXPECT_EQ(leg_of_target(transition::terminate, "spot"), (P{"", ""}));
}

TEST(warm_pool_legs, auto_scaling_s_record_of_a_waiting_instance_gives_its_destination) {
  EXPECT_EQ(destination_of_state("Warmed:Pending:Wait"), "WarmPool");
  EXPECT_EQ(destination_of_state("Warmed:Pending"), "WarmPool");
  EXPECT_EQ(destination_of_state("Pending:Wait"), "AutoScalingGroup");
  EXPECT_EQ(destination_of_state("Terminating:Wait"), "EC2");
  EXPECT_EQ(destination_of_state("Warmed:Terminating:Wait"), "EC2");
  EXPECT_EQ(destination_of_state("InService"), "") << "not waiting: says nothing of a leg";
  EXPECT_EQ(destination_of_state("Warmed:Running"), "");
}
