// SPDX-License-Identifier: Apache-2.0
#include "hookd/lifecycle/notices.hpp"

#include <gtest/gtest.h>

using namespace hookd;
using namespace hookd::lifecycle;

TEST(notices, target_lifecycle_states) {
  EXPECT_EQ(parse_target_state("InService"), target_state::in_service);
  EXPECT_EQ(parse_target_state("Terminated\n"), target_state::terminated);
  EXPECT_EQ(parse_target_state("Detached"), target_state::detached);
  EXPECT_EQ(parse_target_state("Standby"), target_state::standby);
  EXPECT_EQ(parse_target_state("Warmed:Hibernated"), target_state::warmed);
  EXPECT_EQ(parse_target_state("Terminating:Wait"), target_state::other) << "a current state is not a target state";
  EXPECT_EQ(parse_target_state(""), target_state::other);
}

TEST(notices, spot_interruption) {
  auto n = parse_spot_notice(R"({"action": "terminate", "time": "2017-09-18T08:22:00Z"})");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->action, "terminate");
  EXPECT_EQ(iso8601(n->time), "2017-09-18T08:22:00Z");
  EXPECT_TRUE(parse_spot_notice(R"({"action":"hibernate","time":"2017-09-18T08:22:00Z"})"));
  EXPECT_FALSE(parse_spot_notice(R"({"action":"reboot","time":"2017-09-18T08:22:00Z"})"));
  EXPECT_FALSE(parse_spot_notice(R"({"action":"stop","time":"18 Sep 2017"})"));
  EXPECT_FALSE(parse_spot_notice("2017-09-18T08:22:00Z")) << "the legacy termination-time text is another path";
}

TEST(notices, rebalance) {
  auto t = parse_rebalance_notice(R"({"noticeTime":"2020-11-05T08:22:00Z"})");
  ASSERT_TRUE(t);
  EXPECT_EQ(iso8601(*t), "2020-11-05T08:22:00Z");
  EXPECT_FALSE(parse_rebalance_notice("{}"));
  EXPECT_FALSE(parse_rebalance_notice("["));
}

TEST(notices, event_dates_are_not_rfc3339) {
  EXPECT_EQ(iso8601(parse_event_date("21 Jan 2019 09:00:43 GMT").value()), "2019-01-21T09:00:43Z");
  EXPECT_EQ(iso8601(parse_event_date("5 Feb 2019 00:00:00 GMT").value()), "2019-02-05T00:00:00Z");
  EXPECT_FALSE(parse_event_date("2019-01-21T09:00:43Z"));
  EXPECT_FALSE(parse_event_date("21 Foo 2019 09:00:43 GMT"));
  EXPECT_FALSE(parse_event_date("121 Jan 2019 09:00:43 GMT"));
  EXPECT_FALSE(parse_event_date(""));
}

TEST(notices, scheduled_maintenance) {
  auto events = parse_maintenance_events(
      R"([{"NotBefore":"21 Jan 2019 09:00:43 GMT","NotAfter":"","Code":"system-reboot","Description":"scheduled reboot",)"
      R"("EventId":"instance-event-0d59937288b749b32","State":"active"},)"
      R"({"NotBefore":"1 Feb 2019 09:00:00 GMT","NotAfter":"1 Feb 2019 11:00:00 GMT","Code":"instance-reboot","EventId":"e2","State":"canceled"}])");
  ASSERT_TRUE(events) << events.error().message();
  ASSERT_EQ(events->size(), 2u);
  const auto& a = (*events)[0];
  EXPECT_EQ(a.id, "instance-event-0d59937288b749b32");
  EXPECT_TRUE(a.ends_instance());
  EXPECT_FALSE(a.not_after) << "an empty NotAfter is no date";
  EXPECT_EQ(iso8601(*a.not_before), "2019-01-21T09:00:43Z");
  EXPECT_FALSE((*events)[1].ends_instance()) << "an instance reboot keeps the instance";
  EXPECT_NE(maintenance_fingerprint(a), maintenance_fingerprint((*events)[1]));
  auto changed = a;
  changed.state = "completed";
  EXPECT_NE(maintenance_fingerprint(a), maintenance_fingerprint(changed)) << "a changed state is news";
  EXPECT_TRUE(parse_maintenance_events("[]"));
  EXPECT_FALSE(parse_maintenance_events(R"([{"NotBefore":"2019-01-21T09:00:43Z","Code":"x","EventId":"e"}])"));
  EXPECT_FALSE(parse_maintenance_events(R"([{"Code":"x"}])"));
  EXPECT_FALSE(parse_maintenance_events("{}"));
}

#include "hookd/lifecycle/disposition.hpp"

TEST(notices, ec2_events_on_the_queue_are_notices_for_their_instance) {
  const std::string spot = R"({"detail-type":"EC2 Spot Instance Interruption Warning","source":"aws.ec2",)"
                           R"("detail":{"instance-id":"i-1","instance-action":"terminate"}})";
  auto n = parse_notification(spot);
  auto* e = std::get_if<ec2_notice>(&n);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->kind, "spot");
  EXPECT_EQ(e->instance_id, "i-1");
  EXPECT_EQ(e->action, "terminate");
  auto r = parse_notification(R"({"detail-type":"EC2 Instance Rebalance Recommendation","source":"aws.ec2","detail":{"instance-id":"i-2"}})");
  ASSERT_NE(std::get_if<ec2_notice>(&r), nullptr);
  EXPECT_EQ(std::get_if<ec2_notice>(&r)->kind, "rebalance");
  EXPECT_TRUE(std::holds_alternative<unparseable>(
      parse_notification(R"({"detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","detail":{"instance-id":"i-1"}})")));
  EXPECT_TRUE(std::holds_alternative<unparseable>(
      parse_notification(R"({"detail-type":"EC2 Spot Instance Interruption Warning","source":"aws.ec2","detail":{}})")));
  self_identity self;
  self.instance_id = "i-1";
  const auto now = std::chrono::system_clock::now();
  EXPECT_EQ(decide(n, self, {}, {}, now, std::nullopt).what, verdict::notice);
  self.instance_id = "i-9";
  EXPECT_EQ(decide(n, self, {}, {}, now, std::nullopt).what, verdict::foreign) << "another instance's notice is released";
}
