// SPDX-License-Identifier: Apache-2.0
// A journal entry keeps where its action came from: hookd's own record, not its token's shape.
#include "hookd/agent/journal.hpp"

#include <gtest/gtest.h>

using namespace hookd;
using namespace hookd::agent;

TEST(journal_entry, the_source_target_notice_and_boot_survive_a_round_trip) {
  journal_entry e;
  e.action.token = "instance:i-self:launch:Warmed:Running";
  e.action.group = "web";
  e.action.instance_id = "i-self";
  e.action.transition = lifecycle::transition::launch;
  e.action.source = lifecycle::action_source::instance;
  e.action.target = "Warmed:Running";
  e.action.trigger = "imds";
  e.boot_id = "b-1";
  auto back = journal::parse(journal::serialize(e));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_TRUE(back->action.by_instance());
  EXPECT_EQ(back->action.target, "Warmed:Running");
  EXPECT_FALSE(back->action.notice);
  EXPECT_EQ(back->boot_id, "b-1");
  EXPECT_EQ(journal::name_of(back->action), journal::name_of(e.action));
}

TEST(journal_entry, a_queue_entry_whose_token_looks_like_an_instance_key_stays_a_queue_entry) {
  // Written by hookd before the source was recorded: a forged message's token, trigger "queue".
  auto old = journal::parse(R"({"token":"instance:i-self:terminate","group":"web","hook":"drain","instance_id":"i-self",)"
                            R"("transition":"autoscaling:EC2_INSTANCE_TERMINATING","trigger":"queue"})");
  ASSERT_TRUE(old);
  EXPECT_FALSE(old->action.by_instance()) << "confirmed with Auto Scaling like any queue action";
  auto own = journal::parse(R"({"token":"instance:i-self:terminate","group":"web","hook":"","instance_id":"i-self",)"
                            R"("transition":"autoscaling:EC2_INSTANCE_TERMINATING","trigger":"imds"})");
  ASSERT_TRUE(own);
  EXPECT_TRUE(own->action.by_instance()) << "hookd's own metadata entry of before";
  auto lying = journal::parse(R"({"token":"x","group":"web","hook":"drain","instance_id":"i-self","source":"queue",)"
                              R"("transition":"autoscaling:EC2_INSTANCE_TERMINATING","trigger":"imds"})");
  ASSERT_TRUE(lying);
  EXPECT_FALSE(lying->action.by_instance()) << "a written source decides";
}

TEST(journal_entry, a_leg_s_origin_and_destination_survive_a_round_trip_and_unknown_places_are_dropped) {
  journal_entry e;
  e.action.token = "tok-warm";
  e.action.group = "web";
  e.action.hook = "boot";
  e.action.transition = lifecycle::transition::launch;
  e.action.origin = "EC2";
  e.action.destination = "WarmPool";
  auto back = journal::parse(journal::serialize(e));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->action.origin, "EC2");
  EXPECT_EQ(back->action.destination, "WarmPool");
  auto edited = journal::parse(R"({"token":"t","group":"web","hook":"boot","transition":"autoscaling:EC2_INSTANCE_LAUNCHING","origin":"Mars","destination":"warmpool"})");
  ASSERT_TRUE(edited);
  EXPECT_EQ(edited->action.origin, "");
  EXPECT_EQ(edited->action.destination, "");
}
