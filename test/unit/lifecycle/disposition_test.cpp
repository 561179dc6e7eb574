#include "hookd/lifecycle/disposition.hpp"

#include <gtest/gtest.h>

using namespace hookd;
using namespace hookd::lifecycle;
using namespace std::chrono;

namespace {
const hookd::sys_time t0 = sys_days{year{2026} / 11 / 27} + 10h;
auto gt = [](const std::string&) { return seconds(172800); };

lifecycle_action action(std::string instance = "i-self", std::string hook = "drain", std::string token = "tok",
                        std::string_view transition = terminating) {
  lifecycle_action a;
  a.token = std::move(token);
  a.group = "asg";
  a.hook = std::move(hook);
  a.instance_id = std::move(instance);
  a.transition = std::string(transition);
  a.time = t0;
  return a;
}
self_identity self() { return {"i-self", "asg", {}, true, false}; }
} // namespace

TEST(decide, ours_runs) {
  auto d = decide(action(), self(), {}, gt, t0 + 1min, std::nullopt);
  EXPECT_EQ(d.what, verdict::run) << d.why;
}

TEST(decide, someone_elses_is_released) {
  EXPECT_EQ(decide(action("i-other"), self(), {}, gt, t0, std::nullopt).what, verdict::foreign);
  auto other_group = action();
  other_group.group = "other-asg";
  EXPECT_EQ(decide(other_group, self(), {}, gt, t0, std::nullopt).what, verdict::foreign);
  auto s = self();
  s.hooks = {"drain-only"};
  EXPECT_EQ(decide(action(), s, {}, gt, t0, std::nullopt).what, verdict::foreign) << "a hook we do not own";
}

TEST(decide, duplicates_are_not_run_twice) {
  EXPECT_EQ(decide(action(), self(), {"tok"}, gt, t0, std::nullopt).what, verdict::duplicate);
}

TEST(decide, expired_by_time_or_sent_timestamp_whoever_it_was_for) {
  auto short_gt = [](const std::string&) { return seconds(3000); };
  EXPECT_EQ(decide(action("i-other"), self(), {}, short_gt, t0 + 3001s, std::nullopt).what, verdict::expired);
  EXPECT_EQ(decide(action(), self(), {}, short_gt, t0 + 2999s, std::nullopt).what, verdict::run);
  auto untimed = action();
  untimed.time.reset();
  EXPECT_EQ(decide(untimed, self(), {}, short_gt, t0 + 4000s, t0).what, verdict::expired);
  EXPECT_EQ(decide(untimed, self(), {}, short_gt, t0 + 4000s, std::nullopt).what, verdict::run) << "no time at all: never guess";
}

TEST(decide, test_unparseable_and_missing_script) {
  EXPECT_EQ(decide(test_notification{"asg"}, self(), {}, gt, t0, std::nullopt).what, verdict::test);
  auto u = decide(unparseable{"body is not JSON"}, self(), {}, gt, t0, std::nullopt);
  EXPECT_EQ(u.what, verdict::unparseable);
  EXPECT_EQ(u.why, "body is not JSON");
  auto launch = decide(action("i-self", "drain", "t", launching), self(), {}, gt, t0, std::nullopt);
  EXPECT_EQ(launch.what, verdict::no_script);
  EXPECT_NE(launch.why.find("--on-launch"), std::string::npos);
}

TEST(release_planner, first_sighting_released_at_once_repeats_stepped_over_growing) {
  release_planner p(30, 900);
  EXPECT_EQ(p.plan({"a", "b"}, true), (std::vector<std::optional<int>>{0, 0}));
  // Same two again, nothing else: a same-order queue. They keep the receive's 30 s (no call).
  EXPECT_EQ(p.plan({"a", "b"}, false), (std::vector<std::optional<int>>{std::nullopt, std::nullopt}));
  EXPECT_TRUE(p.stepping_over());
  // New foreign messages while stepping over are left invisible too: the receive reaches further.
  EXPECT_EQ(p.plan({"c"}, false), (std::vector<std::optional<int>>{std::nullopt}));
  EXPECT_EQ(p.plan({"a"}, false), (std::vector<std::optional<int>>{60}));
  EXPECT_EQ(p.plan({"a"}, false), (std::vector<std::optional<int>>{120}));
  for (int i = 0; i < 10; ++i) p.plan({"a"}, false);
  EXPECT_EQ(p.plan({"a"}, false), (std::vector<std::optional<int>>{900})) << "capped";
  // Reaching our own message (progress) ends stepping over: new foreign ones are released again.
  p.plan({}, true);
  EXPECT_FALSE(p.stepping_over());
  EXPECT_EQ(p.plan({"d"}, true), (std::vector<std::optional<int>>{0}));
  EXPECT_EQ(p.seen("a"), 15);
}

TEST(release_planner, one_repeat_among_new_messages_starts_stepping_over) {
  // The first receive also held a message that was deleted (a test notification), so the second
  // receive returns the nine repeats plus one new one.
  release_planner p(30, 900);
  std::vector<std::string> first{"a", "b", "c"};
  p.plan(first, false);
  auto second = p.plan({"a", "b", "c", "d"}, false);
  EXPECT_TRUE(p.stepping_over());
  EXPECT_EQ(second, (std::vector<std::optional<int>>{std::nullopt, std::nullopt, std::nullopt, std::nullopt}));
}

TEST(release_planner, memory_is_bounded) {
  release_planner p(30, 900, 100);
  for (int i = 0; i < 1000; ++i) p.plan({"m" + std::to_string(i)}, true);
  EXPECT_EQ(p.seen("m0"), 0);
  EXPECT_EQ(p.seen("m999"), 1);
}

TEST(release_planner, same_order_queue_simulation_reaches_the_end) {
  // 500 foreign messages ahead of ours, handed out 10 at a time in the same order, each invisible
  // for `hold` after a receive unless released. Count receives until ours shows up.
  const int foreign = 500, hold = 30;
  std::vector<int> visible_at(foreign + 1, 0); // in "receive rounds"; 1 round << hold
  release_planner p(hold, 900);
  int requests = 0;
  for (int round = 0; round < 1000; ++round) {
    std::vector<int> got;
    for (int m = 0; m <= foreign && got.size() < 10; ++m)
      if (visible_at[m] <= round) got.push_back(m);
    ++requests; // ReceiveMessage
    bool own = false;
    std::vector<std::string> ids;
    for (int m : got) {
      if (m == foreign) own = true;
      else ids.push_back("m" + std::to_string(m));
      visible_at[m] = round + 1000; // invisible for `hold`: far longer than the rounds simulated
    }
    if (own) break;
    auto plan = p.plan(ids, got.empty());
    bool call = false;
    for (std::size_t i = 0; i < ids.size(); ++i)
      if (plan[i]) {
        call = true;
        if (*plan[i] == 0) visible_at[std::stoi(ids[i].substr(1))] = round + 1;
      }
    if (call) ++requests; // one ChangeMessageVisibilityBatch
    ASSERT_LT(round, 999) << "never reached our message";
  }
  EXPECT_LE(requests, 80) << "our message behind 500 foreign ones took " << requests << " requests";
}
