// SPDX-License-Identifier: Apache-2.0
// Start-up of the real binary: the queue's first receive goes out beside the look-up of the
// group's hooks, and its batch is decided once they are known, or dropped when they came too late
// to decide it inside the receive's hold.
#include "process_fixture.hpp"

using namespace hookd;
using namespace std::chrono_literals;

namespace {
using test::hookd_process;

emulator::fault slow_hooks(std::chrono::milliseconds delay) {
  emulator::fault f;
  f.operation = "DescribeLifecycleHooks";
  f.count = 1;
  f.delay = delay;
  return f;
}

TEST_F(hookd_process, the_first_receive_does_not_wait_for_the_group_s_hooks) {
  const auto delay = 500ms;
  emu->add_fault(slow_hooks(delay));
  write_script("#!/bin/sh\nexit 0\n");
  const auto token = emu->terminate_instance("asg", "i-self").at(0);
  auto r = run(start(hookd_cmd()), 60s);
  EXPECT_EQ(r.exit_code, 0) << all_output();
  const auto hooks = calls_for("DescribeLifecycleHooks"), receives = calls_for("ReceiveMessage");
  ASSERT_FALSE(hooks.empty());
  ASSERT_FALSE(receives.empty());
  EXPECT_LT(receives.front().received, hooks.front().received + delay)
      << "the first ReceiveMessage waited for DescribeLifecycleHooks' answer";
  // Its batch was decided once the hooks were known: the action ran from that first receive.
  EXPECT_GE(receives.front().messages, 1);
  EXPECT_EQ(emu->action(token)->result, "CONTINUE");
  EXPECT_TRUE(message_deleted(token));
  EXPECT_FALSE(said("first-batch-dropped")) << all_output();
}

TEST_F(hookd_process, a_first_batch_the_hooks_came_too_late_for_is_dropped_and_its_action_runs_when_it_returns) {
  // Half the receive's 6 s hold has passed before the hooks are known: the batch is not decided
  // (a release or delete could carry a receipt that lapsed meanwhile). Its message comes back
  // when the hold ends; the emulator's clock is moved on for that.
  emu->add_fault(slow_hooks(3500ms));
  write_script("#!/bin/sh\nexit 0\n");
  const auto token = emu->terminate_instance("asg", "i-self").at(0);
  when([&] { return said("first-batch-dropped"); }, [&] { emu->advance(7s); });
  auto r = run(start(hookd_cmd()), 60s);
  EXPECT_EQ(r.exit_code, 0) << all_output();
  EXPECT_TRUE(said("first-batch-dropped")) << all_output();
  EXPECT_EQ(emu->action(token)->result, "CONTINUE");
  EXPECT_TRUE(message_deleted(token));
  const auto receives = calls_for("ReceiveMessage");
  ASSERT_GE(receives.size(), 2u);
  EXPECT_GE(receives.front().messages, 1) << "the first receive did take the message";
  const auto again = std::find_if(receives.begin() + 1, receives.end(), [](const auto& c) { return c.messages >= 1; });
  ASSERT_NE(again, receives.end()) << "the message was received again once its hold ended";
  for (const char* op : {"ChangeMessageVisibility", "ChangeMessageVisibilityBatch", "DeleteMessage", "DeleteMessageBatch"})
    for (const auto& c : calls_for(op)) EXPECT_GT(c.received, again->received) << op << " used the dropped batch's receipt";
}

} // namespace
