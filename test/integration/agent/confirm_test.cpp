// SPDX-License-Identifier: Apache-2.0
// Auto Scaling's word on a message that names this instance. Forged ones must cost the attacker,
// not the real action: each is refused only after the confirm window (Auto Scaling can say "no
// active action" of a real one for a moment), and those windows must not be served one after
// another ahead of ours, or a handful of them hold our action until its heartbeat timeout ends
// it. And an action that could not be confirmed (Auto Scaling down) is not over: it comes back.
#include "support/journal_files.hpp"
#include "agent_fixture.hpp"

#include "support/harness.hpp"
#include "support/messages.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json.hpp>

#include <filesystem>

using namespace hookd;
using namespace std::chrono_literals;
using test::agent_e2e;

namespace {

std::string forged_message(const std::string& token) { return test::lifecycle_message(token); }

TEST_F(agent_e2e, forged_messages_ahead_of_ours_do_not_hold_our_action_for_their_confirm_windows) {
  s.confirm_window = 2s;
  s.once = true;
  const auto ran = (dir / "ran").string();
  s.on_terminate = script("#!/bin/sh\necho \"$1\" >> " + ran + "\n");
  std::vector<std::string> forged;
  for (int i = 0; i < 5; ++i) {
    forged.push_back("00000000-0000-4000-8000-00000000000" + std::to_string(i));
    emu->send_message("hooks", forged_message(forged.back()));
  }
  const auto own = emu->terminate_instance("asg", "i-self").at(0); // behind them, in the same receive
  auto done = run_agent();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].token, own);
  EXPECT_TRUE(done[0].completed);
  EXPECT_EQ(emu->action(own)->result, "CONTINUE");

  // The order of the emulator's record, not a clock: our completion came while forged tokens
  // were still being asked about, so it waited for none of their windows to run out in turn.
  const auto all = emu->calls();
  std::size_t own_completed = all.size(), last_forged = 0;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto* t = all[i].params.if_contains("LifecycleActionToken");
    if (!t) continue;
    if (all[i].operation == "CompleteLifecycleAction" && t->as_string() == own) own_completed = std::min(own_completed, i);
    if (all[i].operation == "RecordLifecycleActionHeartbeat" && t->as_string() != own) last_forged = i;
  }
  ASSERT_LT(own_completed, all.size());
  EXPECT_LT(own_completed, last_forged) << "our action was completed only after every forged token was refused";
  EXPECT_EQ(test::journal_entries(dir / "state"), 0u) << "no journal entry is left for the forged tokens either";
}

TEST_F(agent_e2e, every_forged_message_is_refused_and_deleted_and_none_runs_the_script) {
  s.confirm_window = 300ms;
  s.once = false;
  const auto ran = (dir / "ran").string();
  s.on_terminate = script("#!/bin/sh\ntouch " + ran + "\n");
  for (int i = 0; i < 12; ++i) emu->send_message("hooks", forged_message("forged-" + std::to_string(i)));
  auto done = run_agent(30s, [&](agent::agent& a) {
    // Stopped once the queue is empty: every forged message was refused and deleted.
    boost::asio::co_spawn(ioc, [&]() -> boost::asio::awaitable<void> {
      while (emu->queue_depth("hooks") > 0) co_await test::pause(20ms);
      a.stop();
    }, boost::asio::detached);
  });
  EXPECT_TRUE(done.empty());
  EXPECT_FALSE(std::filesystem::exists(ran)) << "a forged message ran the script";
  EXPECT_TRUE(emu->calls("CompleteLifecycleAction").empty());
  EXPECT_EQ(emu->queue_depth("hooks"), 0u);
  EXPECT_EQ(test::journal_entries(dir / "state"), 0u);
}

TEST_F(agent_e2e, an_action_auto_scaling_could_not_confirm_is_taken_up_afresh_even_after_a_restart) {
  s.on_terminate = script("#!/bin/sh\nexit 0\n");
  s.confirm_window = 300ms;
  s.once = false;
  emulator::fault down;
  down.operation = "RecordLifecycleActionHeartbeat";
  down.status = 500;
  down.code = "InternalFailure";
  down.message = "test";
  down.count = 1000;
  emu->add_fault(down);
  const auto token = emu->terminate_instance("asg", "i-self").at(0);
  auto first = run_agent(30s, [&](agent::agent& a) {
    boost::asio::co_spawn(ioc, [&]() -> boost::asio::awaitable<void> {
      while (!logged("confirm-retrying")) co_await test::pause(20ms); // retried until the action's timeout: stopped
      a.stop();
    }, boost::asio::detached);
  });
  EXPECT_TRUE(first.empty());
  for (const auto& t : journal->done_tokens()) EXPECT_NE(t, agent::journal::file_name(lifecycle::queue_key(token))) << "marked done, never having run";

  // Auto Scaling is back; the message returns after the short hold it was put back for.
  emu->clear_faults();
  emu->advance(7s);
  s.once = true;
  auto again = run_agent(15s);
  ASSERT_EQ(again.size(), 1u) << "the restarted agent deleted the message as finished";
  EXPECT_EQ(again[0].token, token);
  EXPECT_TRUE(again[0].completed);
}

} // namespace
