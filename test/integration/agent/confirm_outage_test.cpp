// SPDX-License-Identifier: Apache-2.0
// Issue 24. An error that says nothing about the action (AccessDenied while a policy is edited)
// must not refuse it: one 403 on the confirming heartbeat deleted a live action's message and the
// script never ran. And a flood of forged messages naming this instance, with Auto Scaling at a
// real round trip (50 ms, not the emulator's 1 ms), must neither push the real action past its
// heartbeat timeout nor keep a stop waiting for the flood's calls.
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
