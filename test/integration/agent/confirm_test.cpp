// SPDX-License-Identifier: Apache-2.0
// Auto Scaling's word on a message that names this instance. Forged ones must cost the attacker,
// not the real action: each is refused only after the confirm window (Auto Scaling can say "no
// active action" of a real one for a moment), and those windows must not be served one after
// another ahead of ours, or a handful of them hold our action until its heartbeat timeout ends
// it. And an action that could not be confirmed (Auto Scaling down) is not over: it comes back.
// An error that says nothing about the action (AccessDenied while a policy is edited)
// must not refuse it: one 403 on the confirming heartbeat deleted a live action's message and the
// script never ran. And a flood of forged messages naming this instance, with Auto Scaling at a
// real round trip (50 ms, not the emulator's 1 ms), must neither push the real action past its
// heartbeat timeout nor keep a stop waiting for the flood's calls.
// Then the runner's "one run per transition" rule under forged messages: an action nobody
// confirmed changes no run, so it can neither run the script a second time nor swallow a real one.
#include "support/journal_files.hpp"
#include "agent_fixture.hpp"

#include "support/harness.hpp"
#include "support/messages.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json.hpp>

#include <filesystem>
#include <fstream>

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

namespace {

std::string message(const std::string& token, const std::string& hook) { return test::lifecycle_message(token, hook); }

std::size_t lines_in(const std::string& path) {
  std::ifstream in(path);
  std::size_t n = 0;
  for (std::string l; std::getline(in, l);) ++n;
  return n;
}

TEST_F(agent_e2e, a_forged_message_for_a_finished_hook_does_not_make_the_second_hook_run_the_script_again) {
  // Two hooks on the termination; the second one's message is held back and sent by hand.
  put_hook("logs"); // notifies no queue
  s.once = false;
  s.confirm_window = 200ms;
  const auto ran = (dir / "ran").string();
  s.on_terminate = script("#!/bin/sh\necho \"$HOOKD_HOOK\" >> " + ran + "\n");
  const auto tokens = emu->terminate_instance("asg", "i-self");
  ASSERT_EQ(tokens.size(), 2u);
  const auto& logs_token = emu->actions().at(1).hook == "logs" ? tokens[1] : tokens[0];
  auto done = run_agent(30s, [&](agent::agent& a) {
    boost::asio::co_spawn(ioc, [&]() -> boost::asio::awaitable<void> {
      while (!logged("action-done")) co_await test::pause(10ms);
      // The same hook again, with an invented token: a new transition if it were real.
      emu->send_message("hooks", message("forged-after-the-run", "drain"));
      while (!logged("action-unconfirmed")) co_await test::pause(10ms);
      emu->send_message("hooks", message(logs_token, "logs"));
      while (!emu->action(logs_token) || emu->action(logs_token)->active) co_await test::pause(10ms);
      a.stop();
    }, boost::asio::detached);
  });
  EXPECT_EQ(lines_in(ran), 1u) << "the script ran again for the second hook";
  ASSERT_TRUE(emu->action(logs_token));
  EXPECT_EQ(emu->action(logs_token)->result, "CONTINUE");
  EXPECT_TRUE(logged("action-attached")) << "the second hook waits on the transition's run";
}

TEST_F(agent_e2e, a_forged_message_in_the_instance_key_format_is_confirmed_like_any_other_and_runs_nothing) {
  s.once = false;
  s.confirm_window = 200ms;
  const auto ran = (dir / "ran").string();
  s.on_terminate = script("#!/bin/sh\ntouch " + ran + "\n");
  for (const auto* t : {"instance:i-self:terminate", "instance:i-self:terminate:Terminated"})
    emu->send_message("hooks", message(t, "drain"));
  auto done = run_agent(30s, [&](agent::agent& a) {
    boost::asio::co_spawn(ioc, [&]() -> boost::asio::awaitable<void> {
      while (emu->queue_depth("hooks") > 0) co_await test::pause(10ms);
      a.stop();
    }, boost::asio::detached);
  });
  EXPECT_FALSE(std::filesystem::exists(ran)) << "a message in hookd's own key format ran the script";
  EXPECT_TRUE(done.empty());
  EXPECT_EQ(calls_for_token("RecordLifecycleActionHeartbeat", "instance:i-self:terminate").size() > 0, true)
      << "its token was asked about, like any other";
}

} // namespace

namespace {

TEST_F(agent_e2e, a_hook_created_after_start_up_has_its_message_decided_again_not_put_back_for_hours) {
  s.once = false;
  const auto ran = (dir / "ran").string();
  s.on_terminate = script("#!/bin/sh\necho \"$HOOKD_HOOK\" >> " + ran + "\n");
  std::vector<std::string> tokens;
  auto done = run_agent(30s, [&](agent::agent& a) {
    boost::asio::co_spawn(ioc, [&]() -> boost::asio::awaitable<void> {
      while (emu->calls("ReceiveMessage").empty()) co_await test::pause(10ms);
      put_hook("late", "hooks"); // created seconds after hookd read the group's hooks
      tokens = emu->terminate_instance("asg", "i-self");
      while (!logged("hooks-refreshed")) co_await test::pause(10ms);
      emu->advance(7s); // the receive's short hold, over
      const auto all_done = [&] {
        return std::all_of(tokens.begin(), tokens.end(), [&](const auto& t) { return emu->action(t) && !emu->action(t)->active; });
      };
      while (!all_done()) co_await test::pause(10ms);
      a.stop();
    }, boost::asio::detached);
  });
  ASSERT_EQ(tokens.size(), 2u);
  for (const auto& t : tokens) EXPECT_EQ(emu->action(t)->result, "CONTINUE") << emu->action(t)->hook;
  EXPECT_EQ(lines_in(ran), 1u) << "one run for the transition, both hooks completed with it";
  EXPECT_FALSE(logged("unknown-hook")) << "put back for hours";
}

} // namespace

namespace {

std::string forged_message(int i) {
  char token[40];
  std::snprintf(token, sizeof token, "00000000-0000-4000-8000-%012d", i);
  return test::lifecycle_message(token);
}

emulator::fault access_denied(const std::string& operation, int count) {
  emulator::fault f;
  f.operation = operation;
  f.status = 403;
  f.code = "AccessDenied";
  f.message = "User: arn:aws:sts::123456789012:assumed-role/hookd/i-self is not authorized to perform: autoscaling:" + operation;
  f.count = count;
  return f;
}

std::size_t count_lines(const std::vector<std::string>& lines, std::string_view what) {
  return static_cast<std::size_t>(std::count_if(lines.begin(), lines.end(), [&](const auto& l) { return l.find(what) != std::string::npos; }));
}

TEST_F(agent_e2e, access_denied_on_the_confirming_heartbeat_is_retried_and_the_script_runs) {
  const auto ran = (dir / "ran").string();
  s.on_terminate = script("#!/bin/sh\ntouch " + ran + "\n");
  emu->add_fault(access_denied("RecordLifecycleActionHeartbeat", 3));
  const auto own = emu->terminate_instance("asg", "i-self").at(0);
  auto done = run_agent(20s);
  ASSERT_EQ(done.size(), 1u) << "the action was refused on a 403 and its message deleted";
  EXPECT_EQ(done[0].token, own);
  EXPECT_TRUE(done[0].completed);
  EXPECT_TRUE(done[0].deleted);
  EXPECT_TRUE(std::filesystem::exists(ran));
  EXPECT_EQ(emu->action(own)->result, "CONTINUE");
  EXPECT_EQ(emu->faults_left("RecordLifecycleActionHeartbeat"), 0);
  EXPECT_EQ(count_lines(lines, "confirm-retrying"), 1u) << "logged once, not on every try";
  EXPECT_EQ(count_lines(lines, "autoscaling:RecordLifecycleActionHeartbeat on group asg"), 1u) << "the line names the fix";
  EXPECT_FALSE(logged("action-unconfirmed"));
}

TEST_F(agent_e2e, access_denied_on_complete_lifecycle_action_is_retried_not_given_up) {
  s.on_terminate = script("#!/bin/sh\nexit 0\n");
  emu->add_fault(access_denied("CompleteLifecycleAction", 3));
  const auto own = emu->terminate_instance("asg", "i-self").at(0);
  auto done = run_agent(20s);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_TRUE(done[0].completed) << "a 403 ended the completion at once";
  EXPECT_TRUE(done[0].deleted);
  EXPECT_EQ(emu->action(own)->result, "CONTINUE");
  EXPECT_EQ(emu->calls("CompleteLifecycleAction").size(), 4u) << "three refused, the fourth taken";
}

TEST_F(agent_e2e, a_real_action_behind_thousands_of_forged_messages_runs_at_once_and_completes_within_its_heartbeat_timeout) {
  // 3000 forged first calls at 50 ms, four at a time, take 37 s: past the hook's 30 s heartbeat
  // timeout, which the emulator enforces (the action then times out with ABANDON). The backlog
  // makes hookd ask the group, which shows the instance terminating: the transition runs by
  // instance id at once, whatever stands ahead of the real message.
  emu->set_answer_delay("autoscaling", 50ms);
  s.confirm_window = 10s;
  s.heartbeat_interval = 5s;
  const auto ran = (dir / "ran").string();
  s.on_terminate = script("#!/bin/sh\necho run >> " + ran + "\n");
  constexpr int forged = 3000;
  for (int i = 0; i < forged; ++i) emu->send_message("hooks", forged_message(i));
  const auto own = emu->terminate_instance("asg", "i-self").at(0); // the last in the queue's order
  s.once = false; // --once would wait for every forged confirmation to end: stopped once ours is done
  auto done = run_agent(40s, [&](agent::agent& ag) {
    boost::asio::co_spawn(ioc, [&]() -> boost::asio::awaitable<void> {
      while (ag.finished().empty()) co_await test::pause(20ms);
      ag.stop();
    }, boost::asio::detached);
  });
  ASSERT_GE(done.size(), 1u);
  EXPECT_EQ(done[0].trigger, "group") << "run on the group's word, not after the forged confirmations";
  EXPECT_TRUE(done[0].completed);
  std::ifstream in(ran);
  std::string line;
  int runs = 0;
  while (std::getline(in, line)) ++runs;
  EXPECT_EQ(runs, 1);
  const auto a = emu->action(own);
  EXPECT_FALSE(a->timed_out) << "its heartbeat timeout passed before it ran";
  EXPECT_EQ(a->result, "CONTINUE");
  EXPECT_LT(emu->calls("RecordLifecycleActionHeartbeat").size(), 400u) << "it waited behind the forged confirmations";
}

TEST_F(agent_e2e, a_stop_during_a_backlog_of_forged_confirmations_returns_within_the_grace_and_loses_nothing) {
  // 200 forged first calls at 50 ms, one after another, take 10 s; the run's deadline is 5 s.
  emu->set_answer_delay("autoscaling", 50ms);
  s.confirm_window = 10s;
  s.once = false;
  s.on_terminate = script("#!/bin/sh\nexit 0\n");
  constexpr std::size_t forged = 200;
  for (std::size_t i = 0; i < forged; ++i) emu->send_message("hooks", forged_message(static_cast<int>(i)));
  auto done = run_agent(5s, [&](agent::agent& a) {
    boost::asio::co_spawn(ioc, [&]() -> boost::asio::awaitable<void> {
      while (emu->calls("RecordLifecycleActionHeartbeat").size() < 8) co_await test::pause(5ms);
      a.stop();
    }, boost::asio::detached);
  });
  EXPECT_TRUE(done.empty());
  EXPECT_LT(emu->calls("RecordLifecycleActionHeartbeat").size(), forged) << "the backlog's calls were made after the stop";
  EXPECT_EQ(emu->queue_depth("hooks"), forged) << "a message was deleted: inside their windows none is refused";
  EXPECT_EQ(test::journal_entries(dir / "state"), 0u);
}

} // namespace

namespace {

TEST_F(agent_e2e, under_an_access_denied_outage_at_most_the_bound_of_actions_naming_us_are_held_and_retried) {
  // Forged or not, every message naming us gets a 403 now. Putting a retrying one back for each
  // newcomer would cycle the whole flood through Auto Scaling, a call each; the bound holds.
  s.confirm_window = 10s;
  s.once = false;
  s.on_terminate = script("#!/bin/sh\nexit 0\n");
  emu->add_fault(access_denied("RecordLifecycleActionHeartbeat", 100000));
  constexpr int forged = 100;
  for (int i = 0; i < forged; ++i) emu->send_message("hooks", forged_message(i));
  auto done = run_agent(20s, [&](agent::agent& a) {
    boost::asio::co_spawn(ioc, [&]() -> boost::asio::awaitable<void> {
      while (emu->calls("RecordLifecycleActionHeartbeat").size() < static_cast<std::size_t>(forged)) co_await test::pause(5ms);
      a.stop();
    }, boost::asio::detached);
  });
  EXPECT_TRUE(done.empty());
  const auto asked = count_lines(lines, "confirm-retrying"); // once per action
  EXPECT_GT(asked, 0u);
  EXPECT_LE(asked, agent::agent::max_pending) << "more actions were taken than the bound while none could be confirmed";
  EXPECT_EQ(emu->queue_depth("hooks"), static_cast<std::size_t>(forged)) << "a 403 deleted a message";
}

} // namespace
