// SPDX-License-Identifier: Apache-2.0
#include "hookd/notify/drop_oldest.hpp"

#include <gtest/gtest.h>

#include <string>

using hookd::notify::drop_oldest_queue;

TEST(drop_oldest_queue, keeps_order_and_drops_the_oldest_when_full) {
  drop_oldest_queue<std::string> q(3);
  EXPECT_TRUE(q.push("a"));
  EXPECT_TRUE(q.push("b"));
  EXPECT_TRUE(q.push("c"));
  EXPECT_FALSE(q.push("d")) << "full: room is made by dropping a";
  EXPECT_FALSE(q.push("e"));
  EXPECT_EQ(q.dropped(), 2u);
  EXPECT_EQ(q.size(), 3u);
  EXPECT_EQ(*q.pop(), "c");
  EXPECT_EQ(*q.pop(), "d");
  EXPECT_TRUE(q.push("f"));
  EXPECT_EQ(*q.pop(), "e");
  EXPECT_EQ(*q.pop(), "f");
  EXPECT_FALSE(q.pop());
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.dropped(), 2u) << "popping drops nothing";
}

TEST(drop_oldest_queue, a_capacity_of_zero_still_holds_the_newest_item) {
  drop_oldest_queue<int> q(0);
  EXPECT_EQ(q.capacity(), 1u);
  q.push(1);
  q.push(2);
  EXPECT_EQ(*q.pop(), 2);
  EXPECT_EQ(q.dropped(), 1u);
}
