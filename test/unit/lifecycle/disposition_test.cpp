// SPDX-License-Identifier: Apache-2.0
#include "hookd/lifecycle/disposition.hpp"
#include "hookd/core/bounded_set.hpp"

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
  a.transition = *parse_transition(transition);
  a.time = t0;
  return a;
}
self_identity self() { return {"i-self", "asg", {}, {}, true, false}; }
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
  EXPECT_EQ(decide(action(), self(), [](const std::string& t) { return t == "tok"; }, gt, t0, std::nullopt).what, verdict::duplicate);
}

TEST(decide, only_our_own_messages_expire_and_only_past_the_margin) {
  auto short_gt = [](const std::string&) { return seconds(3000); };
  const auto past = t0 + 3000s + expiry_margin + 1s;
  EXPECT_EQ(decide(action(), self(), {}, short_gt, past, std::nullopt).what, verdict::expired);
  EXPECT_EQ(decide(action(), self(), {}, short_gt, t0 + 3001s, std::nullopt).what, verdict::run) << "within the margin";
  EXPECT_EQ(decide(action("i-other"), self(), {}, short_gt, past, std::nullopt).what, verdict::foreign)
      << "another instance's message is never deleted on time alone";
  auto other_group = action();
  other_group.group = "other-asg"; // a same-named hook in another group sharing the queue
  EXPECT_EQ(decide(other_group, self(), {}, short_gt, past, std::nullopt).what, verdict::foreign);
  auto untimed = action();
  untimed.time.reset();
  EXPECT_EQ(decide(untimed, self(), {}, short_gt, past + 1000s, t0).what, verdict::expired);
  EXPECT_EQ(decide(untimed, self(), {}, short_gt, past + 1000s, std::nullopt).what, verdict::run) << "no time at all: never guess";
}

TEST(decide, a_hook_our_group_does_not_have_is_not_ours_to_run) {
  auto s = self();
  s.group_hooks = {"drain"};
  EXPECT_EQ(decide(action("i-self", "invented"), s, {}, gt, t0, std::nullopt).what, verdict::unknown_hook);
  EXPECT_EQ(decide(action("i-self", "drain"), s, {}, gt, t0, std::nullopt).what, verdict::run);
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

namespace {
using opt = std::vector<std::optional<int>>;
std::vector<foreign_sighting> got(std::initializer_list<std::pair<const char*, int>> l) {
  std::vector<foreign_sighting> out;
  for (auto& [id, n] : l) out.push_back({id, n});
  return out;
}
} // namespace

TEST(release_planner, released_at_once_and_held_only_while_messages_come_straight_back) {
  release_planner p(6);
  EXPECT_EQ(p.plan(got({{"a", 1}, {"b", 1}}), false), (opt{0, 0}));
  EXPECT_FALSE(p.yield_to_others()) << "fresh messages: ask again at once, to learn whether we are alone";
  // Back at once with counts one higher: nobody else received them, a same-order queue read by us
  // alone. They keep the receive's short hold, and so does anything nobody has had before.
  EXPECT_EQ(p.plan(got({{"a", 2}, {"b", 2}}), false), (opt{std::nullopt, std::nullopt}));
  EXPECT_TRUE(p.stepping_over());
  EXPECT_FALSE(p.yield_to_others());
  EXPECT_EQ(p.plan(got({{"c", 1}}), false), (opt{std::nullopt}));
  EXPECT_EQ(p.plan(got({{"a", 3}}), false), (opt{std::nullopt})) << "never longer than the hold, however often";
  EXPECT_EQ(p.plan(got({{"z", 7}}), false), (opt{0})) << "new to us but handed around by others: released";
  // Progress (our own message) ends stepping over.
  p.plan({}, true);
  EXPECT_FALSE(p.stepping_over());
  EXPECT_EQ(p.plan(got({{"d", 1}}), true), (opt{0}));
  EXPECT_EQ(p.seen("a"), 3);
}

TEST(release_planner, a_fleet_reading_the_queue_ends_stepping_over_and_makes_us_pause) {
  release_planner p(6);
  p.plan(got({{"a", 1}, {"b", 1}}), false);
  p.plan(got({{"a", 2}}), false);
  ASSERT_TRUE(p.stepping_over());
  // A repeat whose count jumped: other agents had it in between. Holding it would hide it from
  // its owner, so it is released, stepping over stops, and we pause before the next receive.
  EXPECT_EQ(p.plan(got({{"b", 9}, {"e", 4}}), false), (opt{0, 0}));
  EXPECT_FALSE(p.stepping_over());
  EXPECT_TRUE(p.yield_to_others());
}

TEST(release_planner, one_repeat_after_our_own_pause_is_no_evidence_of_being_alone) {
  // The whole fleet may have been pausing: one message back with count + 1 after we paused must
  // not make us hold anything. Twice in a row (a lone agent restarted on a same-order queue) does.
  release_planner p(6);
  EXPECT_EQ(p.plan(got({{"a", 5}}), false), (opt{0}));
  ASSERT_TRUE(p.yield_to_others());
  EXPECT_EQ(p.plan(got({{"a", 6}}), false), (opt{0}));
  EXPECT_FALSE(p.stepping_over());
  EXPECT_EQ(p.plan(got({{"a", 7}}), false), (opt{std::nullopt}));
  EXPECT_TRUE(p.stepping_over());
}

TEST(release_planner, an_owner_that_found_its_message_still_pauses_after_releasing_the_rest) {
  release_planner p(6);
  p.plan(got({{"a", 4}, {"b", 9}}), true);
  EXPECT_TRUE(p.yield_to_others()) << "asking again at once would take back what it just released";
}

TEST(release_planner, a_served_agent_pauses_longer_and_nobody_pauses_after_fresh_messages) {
  using std::chrono::milliseconds;
  release_planner p(6);
  p.plan(got({{"a", 1}, {"b", 1}}), false);
  EXPECT_EQ(p.pause(milliseconds(1000), false), milliseconds(0)) << "fresh messages: no pause, whoever we are";
  EXPECT_EQ(p.pause(milliseconds(1000), true), milliseconds(0));
  p.plan(got({{"c", 7}, {"d", 3}}), false);
  EXPECT_EQ(p.pause(milliseconds(1000), false), milliseconds(1000));
  // Its own action under way, this agent only hands messages around: it stands back longer,
  // so the owners still waiting are likelier to be the ones a message wakes.
  EXPECT_EQ(p.pause(milliseconds(1000), true), milliseconds(1000) * release_planner::served_factor);
  EXPECT_GT(release_planner::served_factor, 1);
}

TEST(release_planner, one_repeat_among_new_messages_starts_stepping_over) {
  // The first receive also held a message that was deleted (a test notification), so the second
  // receive returns the repeats plus one new one.
  release_planner p(6);
  p.plan(got({{"a", 1}, {"b", 1}, {"c", 1}}), false);
  auto second = p.plan(got({{"a", 2}, {"b", 2}, {"c", 2}, {"d", 1}}), false);
  EXPECT_TRUE(p.stepping_over());
  EXPECT_EQ(second, (opt{std::nullopt, std::nullopt, std::nullopt, std::nullopt}));
}

TEST(release_planner, memory_is_bounded) {
  release_planner p(6, 100);
  for (int i = 0; i < 1000; ++i) p.plan({{"m" + std::to_string(i), 1}}, true);
  EXPECT_EQ(p.seen("m0"), 0);
  EXPECT_EQ(p.seen("m999"), 1);
}

namespace {
struct walk {
  int requests = 0;
  long long ms = 0;   ///< simulated time: 20 ms a request, and every pause the planner asks for
  bool found = false;
};

/// One agent alone on a same-order queue: `foreign` messages ahead of ours, each received
/// `handed_around` times before (by an earlier hookd, or agents long gone), handed out ten at a
/// time, the oldest visible first, invisible for the 6 s hold after a receive unless released.
walk same_order_walk(int foreign, int handed_around) {
  constexpr long long rtt = 20, hold = 6000, give_up = 600'000;
  std::vector<long long> visible_at(foreign + 1, 0);
  std::vector<int> count(foreign + 1, handed_around);
  release_planner p(6);
  walk w;
  while (w.ms < give_up) {
    std::vector<int> taken;
    for (int m = 0; m <= foreign && taken.size() < 10; ++m)
      if (visible_at[m] <= w.ms) taken.push_back(m);
    ++w.requests; // ReceiveMessage
    w.ms += rtt;
    std::vector<foreign_sighting> seen;
    for (int m : taken) {
      ++count[m];
      if (m == foreign) return w.found = true, w;
      seen.push_back({"m" + std::to_string(m), count[m]});
      visible_at[m] = w.ms + hold;
    }
    auto plan = p.plan(seen, taken.empty());
    bool call = false;
    for (std::size_t i = 0; i < seen.size(); ++i)
      if (plan[i]) {
        call = true;
        if (*plan[i] == 0) visible_at[std::stoi(seen[i].id.substr(1))] = w.ms;
      }
    if (call) ++w.requests, w.ms += rtt; // one ChangeMessageVisibilityBatch
    w.ms += p.pause(std::chrono::milliseconds(1000), false).count();
  }
  return w;
}
} // namespace

TEST(release_planner, same_order_queue_simulation_reaches_the_end) {
  // 500 fresh foreign messages ahead of ours: count requests until ours shows up.
  const auto w = same_order_walk(500, 0);
  ASSERT_TRUE(w.found) << "never reached our message";
  EXPECT_LE(w.requests, 80) << "our message behind 500 foreign ones took " << w.requests << " requests";
}

TEST(release_planner, a_lone_agent_reaches_its_message_behind_messages_others_handed_around) {
  // A restarted hookd, or a queue holding messages of instances long gone: everything ahead of
  // ours has been received before. Once stepping over (it has proved it reads alone), releasing
  // such a message must not end in a pause: each pause costs a second, the hold lasts six, so
  // the walk never got past about 50 messages, and ours waited on luck (make soak: 85 s).
  const auto w = same_order_walk(300, 5);
  ASSERT_TRUE(w.found) << "never reached our message behind 300 handed-around ones";
  EXPECT_LE(w.requests, 120) << w.requests << " requests";
  EXPECT_LE(w.ms, 6000) << "reached it only after " << w.ms << " ms of simulated time";
}

TEST(memory, a_hundred_thousand_distinct_tokens_and_messages_keep_it_flat) {
  hookd::bounded_set tokens(1000);
  release_planner p(6, 20000);
  for (int i = 0; i < 100000; ++i) {
    tokens.insert("token-" + std::to_string(i));
    p.plan({{"message-" + std::to_string(i), 1}}, false);
  }
  EXPECT_EQ(tokens.size(), 1000u);
  EXPECT_TRUE(tokens.contains("token-99999"));
  EXPECT_FALSE(tokens.contains("token-0"));
  EXPECT_EQ(p.seen("message-0"), 0) << "the planner forgets its oldest sightings";
  EXPECT_EQ(p.seen("message-99999"), 1);
}

TEST(memory, a_forgotten_token_leaves_no_trace_in_the_order_the_set_forgets_by) {
  hookd::bounded_set tokens(2);
  tokens.insert("a");
  tokens.insert("b");
  tokens.erase("a");
  EXPECT_FALSE(tokens.contains("a"));
  tokens.insert("c"); // "a" no longer counts towards the capacity: "b" stays
  EXPECT_TRUE(tokens.contains("b"));
  EXPECT_TRUE(tokens.contains("c"));
  EXPECT_EQ(tokens.size(), 2u);
  tokens.erase("missing"); // nothing happens
  EXPECT_EQ(tokens.size(), 2u);
}
