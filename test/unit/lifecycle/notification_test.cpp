// SPDX-License-Identifier: Apache-2.0
#include "hookd/lifecycle/notification.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

using namespace hookd;
using namespace hookd::lifecycle;

namespace {
const char* direct = R"({"Origin":"AutoScalingGroup","LifecycleHookName":"drain","Destination":"EC2","AccountId":"123456789012",
 "RequestId":"r","LifecycleTransition":"autoscaling:EC2_INSTANCE_TERMINATING","AutoScalingGroupName":"my-asg",
 "Service":"AWS Auto Scaling","Time":"2022-01-31T23:07:47.872Z","EC2InstanceId":"i-0123","LifecycleActionToken":"tok-1",
 "NotificationMetadata":"{\"k\":1}"})";
} // namespace

TEST(notification, direct_from_auto_scaling) {
  auto n = parse_notification(direct);
  auto* a = std::get_if<lifecycle_action>(&n);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->token, "tok-1");
  EXPECT_EQ(a->group, "my-asg");
  EXPECT_EQ(a->hook, "drain");
  EXPECT_EQ(a->instance_id, "i-0123");
  EXPECT_EQ(a->transition, transition::terminate);
  EXPECT_EQ(a->metadata, "{\"k\":1}");
  EXPECT_EQ(a->shape, "direct");
  ASSERT_TRUE(a->time);
  EXPECT_EQ(iso8601(*a->time), "2022-01-31T23:07:47Z");
  EXPECT_EQ(transition_word(a->transition), "terminate");
}

TEST(notification, sns_envelope) {
  boost::json::object env{{"Type", "Notification"}, {"MessageId", "m"}, {"TopicArn", "arn"}, {"Message", direct}};
  auto n = parse_notification(boost::json::serialize(env));
  auto* a = std::get_if<lifecycle_action>(&n);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->shape, "sns");
  EXPECT_EQ(a->token, "tok-1");
}

TEST(notification, eventbridge_event) {
  auto n = parse_notification(R"({"version":"0","id":"x","detail-type":"EC2 Instance-launch Lifecycle Action","source":"aws.autoscaling",
    "account":"1","time":"2026-11-27T10:00:00Z","region":"eu-west-1","resources":["arn"],
    "detail":{"LifecycleActionToken":"t2","AutoScalingGroupName":"g","LifecycleHookName":"h","EC2InstanceId":"i-9",
    "LifecycleTransition":"autoscaling:EC2_INSTANCE_LAUNCHING","Origin":"EC2","Destination":"AutoScalingGroup"}})");
  auto* a = std::get_if<lifecycle_action>(&n);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->shape, "eventbridge");
  EXPECT_EQ(a->transition, transition::launch);
  EXPECT_EQ(iso8601(*a->time), "2026-11-27T10:00:00Z");
}

TEST(notification, test_notification_in_both_spellings) {
  auto a = parse_notification(R"({"AccountId":"1","RequestId":"r","AutoScalingGroupARN":"arn","AutoScalingGroupName":"g","Service":"AWS Auto Scaling","Event":"autoscaling:TEST_NOTIFICATION","Time":"2026-01-01T00:00:00Z"})");
  ASSERT_TRUE(std::holds_alternative<test_notification>(a));
  EXPECT_EQ(std::get<test_notification>(a).group, "g");
  auto b = parse_notification(R"({"LifecycleTransition":"autoscaling:TEST_NOTIFICATION"})");
  EXPECT_TRUE(std::holds_alternative<test_notification>(b));
}

TEST(notification, anything_else_is_unparseable_with_a_reason_and_no_crash) {
  for (const char* bad : {"", "not json", "[1,2]", "42", "{}", R"({"Type":"Notification","Message":"nope"})",
                          R"({"Type":"Notification","Message":"{\"Type\":\"Notification\",\"Message\":\"{}\"}"})",
                          R"({"source":"aws.autoscaling","detail":5})",
                          R"({"source":"aws.autoscaling","detail-type":"EC2 Instance Launch Successful","detail":{}})",
                          R"({"LifecycleActionToken":"t","AutoScalingGroupName":"g","LifecycleHookName":"h","EC2InstanceId":"i","LifecycleTransition":"autoscaling:EC2_INSTANCE_EXPLODING"})",
                          R"({"LifecycleActionToken":7,"AutoScalingGroupName":"g"})", "{\"a\":\"\xff\xfe\"}"}) {
    auto n = parse_notification(bad);
    ASSERT_TRUE(std::holds_alternative<unparseable>(n)) << bad;
    EXPECT_FALSE(std::get<unparseable>(n).reason.empty());
  }
  auto missing = parse_notification(R"({"AutoScalingGroupName":"g","LifecycleHookName":"h","LifecycleTransition":"autoscaling:EC2_INSTANCE_TERMINATING"})");
  EXPECT_NE(std::get<unparseable>(missing).reason.find("LifecycleActionToken, EC2InstanceId"), std::string::npos);
}
