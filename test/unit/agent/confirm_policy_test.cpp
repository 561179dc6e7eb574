// SPDX-License-Identifier: Apache-2.0
// When a failed confirming heartbeat ends a confirmation (issue 24): only Auto Scaling's word on
// the action refuses it; anything else is tried again while the action can still live.
#include "hookd/agent/confirm_policy.hpp"

#include "support/aws_answers.hpp"

#include <gtest/gtest.h>

using namespace hookd;
using namespace hookd::agent;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

using test::aws_answer;

const auto t0 = steady::time_point{} + 1000h;
const auto aws_t0 = sys_time{} + 400000h;

TEST(confirm_policy, a_403_is_tried_again_until_the_actions_heartbeat_timeout_not_the_confirm_window) {
  const auto d = confirm_deadlines_for(t0, aws_t0, aws_t0, std::nullopt, false, 10s, 30s, t0 + 3000s);
  const auto denied = aws_answer(403, "AccessDenied", "not authorized to perform: autoscaling:RecordLifecycleActionHeartbeat");
  EXPECT_EQ(after_failure(denied, t0 + 11s, d), confirm_step::retry) << "past the confirm window, within the action's time";
  EXPECT_EQ(after_failure(denied, t0 + 29s, d), confirm_step::retry);
  EXPECT_EQ(after_failure(denied, t0 + 30s, d), confirm_step::give_up) << "never refuse: its message comes back";
  EXPECT_EQ(after_failure(aws_answer(503, "ServiceUnavailable", ""), t0 + 20s, d), confirm_step::retry);
  EXPECT_EQ(after_failure(make_error(errc::connection_failed, "reset"), t0 + 20s, d), confirm_step::retry);
}

TEST(confirm_policy, no_active_action_refuses_once_the_window_counted_from_sqs_sent_time_is_over) {
  // Sent 8 s ago: 2 s of window left, whenever the message was taken (again).
  const auto d = confirm_deadlines_for(t0, aws_t0, aws_t0 - 8s, std::nullopt, false, 10s, 30s, t0 + 3000s);
  const auto over = aws_answer(400, "ValidationError", "No active Lifecycle Action found with token x");
  EXPECT_EQ(after_failure(over, t0 + 1s, d), confirm_step::retry);
  EXPECT_EQ(after_failure(over, t0 + 2s, d), confirm_step::refuse);
  EXPECT_EQ(d.action_end, t0 + 22s) << "the heartbeat timeout also counts from when it was sent";
  // Older than the window: the first answer settles it.
  const auto old = confirm_deadlines_for(t0, aws_t0, aws_t0 - 60s, std::nullopt, false, 10s, 30s, t0 + 3000s);
  EXPECT_EQ(after_failure(over, t0, old), confirm_step::refuse);
}

TEST(confirm_policy, a_malformed_token_refuses_at_once_and_a_journal_entry_gets_no_window) {
  const auto d = confirm_deadlines_for(t0, aws_t0, aws_t0, std::nullopt, false, 10s, 30s, t0 + 3000s);
  EXPECT_EQ(after_failure(aws_answer(400, "ValidationError", "Value 'x' at 'lifecycleActionToken' failed to satisfy constraint"), t0, d),
            confirm_step::refuse);
  const auto resumed = confirm_deadlines_for(t0, aws_t0, std::nullopt, std::nullopt, true, 10s, 30s, t0 + 500s);
  EXPECT_EQ(after_failure(aws_answer(400, "ValidationError", "No active Lifecycle Action found"), t0, resumed), confirm_step::refuse);
  EXPECT_EQ(after_failure(aws_answer(403, "AccessDenied", ""), t0 + 400s, resumed), confirm_step::retry)
      << "its heartbeats are unknown: the global timeout bounds it";
}

TEST(confirm_policy, the_global_deadline_bounds_the_retries_and_a_missing_sent_time_counts_from_the_notification) {
  const auto d = confirm_deadlines_for(t0, aws_t0, std::nullopt, aws_t0 - 20s, false, 10s, 30s, t0 + 5s);
  EXPECT_EQ(d.action_end, t0 + 5s);
  EXPECT_EQ(d.window_end, t0 + 10s) << "the notification's Time is the sender's word: it does not shorten the window";
  const auto e = confirm_deadlines_for(t0, aws_t0, std::nullopt, aws_t0 - 20s, false, 10s, 30s, t0 + 3000s);
  EXPECT_EQ(e.action_end, t0 + 10s);
}

} // namespace

namespace {

TEST(confirm_policy, a_message_put_back_after_no_active_action_returns_when_one_answer_settles_it) {
  constexpr int hold = 6;
  EXPECT_EQ(put_back_seconds(false, t0 + 9s, t0, 10s, hold), hold) << "a 403 or a stop: the short hold";
  EXPECT_EQ(put_back_seconds(true, t0 + 9s, t0, 10s, hold), 10) << "a second after its window";
  EXPECT_EQ(put_back_seconds(true, t0 + 1s, t0, 10s, hold), hold) << "never sooner than the hold, never 0";
  EXPECT_EQ(put_back_seconds(true, t0 - 5s, t0, 10s, hold), hold);
  EXPECT_EQ(put_back_seconds(true, t0 + 60s, t0, 10s, hold), 16) << "at most the window plus the hold";
}

} // namespace
