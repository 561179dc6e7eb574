// SPDX-License-Identifier: Apache-2.0
// Nothing serial between the receive and the exec but what the exec needs (the journal entry, the
// script, Auto Scaling's confirmation), and nothing between the script's exit and the completion:
// the requests that keep the message hidden go out beside the script, never ahead of it.
#include "agent_fixture.hpp"

using namespace hookd;
using namespace std::chrono_literals;
using test::agent_e2e;

namespace {

// Runs one action whose visibility requests are held for 2 s, with a script that writes its
// start time and then outlives the hold (so the request is answered, not cancelled by the
// script's end, however slow the machine); checks that the script started a second or more
// before the first `held_op` was answered, that is without waiting for it.
class exec_first : public agent_e2e {
protected:
  void expect_script_first(const char* held_op) {
    for (const char* op : {"ChangeMessageVisibility", "ChangeMessageVisibilityBatch"}) {
      emulator::fault slow;
      slow.operation = op;
      slow.count = 2;
      slow.delay = 2s;
      emu->add_fault(slow);
    }
    const auto stamp = (dir / "started").string();
    s.on_terminate = script("#!/bin/sh\ndate +%s%N > " + stamp + "\nsleep 2.5\n");
    auto done = run_agent();
    ASSERT_EQ(done.size(), 1u);
    EXPECT_TRUE(done[0].completed);
    const auto held = emu->calls(held_op);
    ASSERT_FALSE(held.empty()) << held_op << " was never sent";
    long long ns = 0;
    std::ifstream(stamp) >> ns;
    const sys_time started(std::chrono::duration_cast<sys_time::duration>(std::chrono::nanoseconds(ns)));
    EXPECT_LT(started, held.front().answered - 1s) << "the exec waited for " << held_op;
  }
};

TEST_F(exec_first, the_script_starts_before_a_held_request_to_hide_its_message_is_answered) {
  // The batch's ChangeMessageVisibilityBatch keeps our message hidden past the receive's hold;
  // Auto Scaling answers at once, the visibility requests only after 2 s.
  emu->terminate_instance("asg", "i-self");
  expect_script_first("ChangeMessageVisibilityBatch");
}

TEST_F(exec_first, a_resumed_action_starts_its_script_before_its_first_visibility_extension_is_answered) {
  // Taken up from the journal, the keep-alive extends the message's visibility first of all.
  const auto token = emu->terminate_instance("asg", "i-self").at(0);
  ASSERT_TRUE(run(journal->write({own_action(token), "m", "handle-of-a-crashed-hookd", std::chrono::system_clock::now()})));
  expect_script_first("ChangeMessageVisibility");
}

TEST_F(agent_e2e, a_script_ending_during_a_keep_alive_request_is_completed_at_once_and_the_request_not_retried) {
  // ChangeMessageVisibility hangs for 2 s (a retry would hang too); the script ends at once. The
  // action must be completed without waiting for that request, and the request not retried.
  emulator::fault slow;
  slow.operation = "ChangeMessageVisibility";
  slow.count = 2;
  slow.delay = 2s;
  emu->add_fault(slow);
  s.on_terminate = script("#!/bin/sh\nexit 0\n");
  const auto token = emu->terminate_instance("asg", "i-self").at(0);
  const auto start = std::chrono::steady_clock::now();
  auto done = run_agent();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_TRUE(done[0].completed);
  EXPECT_TRUE(done[0].deleted);
  const auto completes = calls_for_token("CompleteLifecycleAction", token);
  ASSERT_EQ(completes.size(), 1u);
  EXPECT_LT(completes[0].received, start + slow.delay) << "the hanging request was abandoned, not awaited";
  EXPECT_LE(emu->calls("ChangeMessageVisibility").size(), 1u) << "a cancelled request is not retried";
  EXPECT_FALSE(logged("heartbeat-failed"));
}

} // namespace
