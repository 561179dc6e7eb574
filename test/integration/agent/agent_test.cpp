// SPDX-License-Identifier: Apache-2.0
// The agent end to end against the emulator over TLS, with real /bin/sh scripts and millisecond
// intervals. Every assertion about what hookd did to AWS is read from the emulator's record.
#include "support/journal_files.hpp"
#include "agent_fixture.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include <fstream>
#include <sys/stat.h>

using namespace hookd;
using namespace std::chrono_literals;
namespace net = boost::asio;
using test::agent_e2e;

namespace {

TEST_F(agent_e2e, own_action_runs_while_foreign_test_and_unparseable_messages_are_handled_by_the_rules) {
  const auto out_file = (dir / "ran.txt").string();
  s.on_terminate = script("#!/bin/sh\necho \"$1 $2 $HOOKD_HOOK $HOOKD_GROUP $AWS_REGION\" > " + out_file +
                          "\necho working\nsleep 0.3\necho done\n");
  const auto foreign_token = emu->terminate_instance("asg", "i-other").at(0);
  emu->send_message("hooks", "this is not json");
  const auto own_token = emu->terminate_instance("asg", "i-self").at(0);
  // Queue now: TEST_NOTIFICATION (from put_hook), foreign action, garbage, ours.
  auto done = run_agent();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].token, own_token);
  EXPECT_TRUE(done[0].completed);
  EXPECT_TRUE(done[0].deleted);
  EXPECT_EQ(done[0].result, "CONTINUE");
  EXPECT_GE(done[0].heartbeats, 2) << "heartbeats every 50 ms during a 300 ms script";

  std::ifstream in(out_file);
  std::string ran;
  std::getline(in, ran);
  EXPECT_EQ(ran, "terminate i-self drain asg us-east-1");
  EXPECT_TRUE(logged("script-output stream=stdout line=working"));
  EXPECT_TRUE(logged("action-done transition=terminate instance=i-self hook=drain result=CONTINUE"));

  // What the emulator saw: only our action completed, only our message and the test notification deleted.
  ASSERT_EQ(emu->calls("CompleteLifecycleAction").size(), 1u);
  EXPECT_EQ(calls_for_token("CompleteLifecycleAction", own_token).size(), 1u);
  EXPECT_TRUE(calls_for_token("CompleteLifecycleAction", foreign_token).empty());
  EXPECT_TRUE(calls_for_token("RecordLifecycleActionHeartbeat", foreign_token).empty());
  EXPECT_FALSE(emu->action(own_token)->active);
  EXPECT_EQ(emu->action(own_token)->result, "CONTINUE");
  EXPECT_TRUE(emu->action(foreign_token)->active) << "someone else's action is untouched";
  EXPECT_EQ(emu->instance_state("asg", "i-self"), "Terminated");
  EXPECT_EQ(emu->queue_depth("hooks"), 2u) << "the foreign and the unparseable message remain";
  EXPECT_TRUE(logged("unparseable-message"));
  EXPECT_TRUE(logged("test-notification-deleted"));
  EXPECT_EQ(test::journal_entries(dir / "state"), 0u) << "journal cleared";
}

TEST_F(agent_e2e, sns_and_eventbridge_shapes_are_handled) {
  s.on_terminate = script("#!/bin/sh\nexit 0\n");
  for (auto fmt : {emulator::notification_format::sns, emulator::notification_format::eventbridge}) {
    emulator::hook_spec h;
    h.group = "asg";
    h.name = "drain";
    h.queue = "hooks";
    h.heartbeat_timeout = 30;
    h.format = fmt;
    emu->put_hook(h); // an update: no new test notification
    emu->create_group("asg", {"i-self"});
    const auto token = emu->terminate_instance("asg", "i-self").at(0);
    auto done = run_agent();
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].token, token);
    EXPECT_TRUE(done[0].completed);
  }
}

TEST_F(agent_e2e, failing_script_gives_the_failure_result_and_the_output_tail) {
  s.on_terminate = script("#!/bin/sh\necho 'copying logs'\necho 'aws: access denied' >&2\nexit 3\n");
  const auto token = emu->terminate_instance("asg", "i-self").at(0);
  auto done = run_agent();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].result, "ABANDON");
  EXPECT_EQ(done[0].outcome, "exit 3");
  EXPECT_EQ(emu->action(token)->result, "ABANDON");
  EXPECT_TRUE(logged("script-tail"));
  EXPECT_TRUE(logged("access denied"));
  EXPECT_TRUE(done[0].deleted) << "completed with ABANDON: the message is done with";
}

TEST_F(agent_e2e, time_limit_kills_the_script_and_fails_the_action) {
  s.on_terminate = script("#!/bin/sh\ntrap '' TERM\nsleep 30\n");
  s.script_timeout = 200ms;
  const auto token = emu->terminate_instance("asg", "i-self").at(0);
  auto done = run_agent();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].result, "ABANDON");
  EXPECT_NE(done[0].outcome.find("time limit"), std::string::npos) << done[0].outcome;
  EXPECT_EQ(emu->action(token)->result, "ABANDON");
}

TEST_F(agent_e2e, script_from_s3_and_a_missing_one) {
  emu->put_object("scripts", "on-terminate.sh", "#!/bin/sh\necho from-s3 \"$1\"\n");
  s.on_terminate = "s3://scripts/on-terminate.sh";
  auto token = emu->terminate_instance("asg", "i-self").at(0);
  auto done = run_agent();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].result, "CONTINUE");
  EXPECT_TRUE(logged("line=\"from-s3 terminate\""));

  s.on_terminate = "s3://scripts/missing.sh";
  emu->create_group("asg", {"i-self"});
  token = emu->terminate_instance("asg", "i-self").at(0);
  done = run_agent();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].result, "ABANDON") << "a script that cannot be fetched is a failed action";
  EXPECT_NE(done[0].outcome.find("cannot download the script"), std::string::npos) << done[0].outcome;
  EXPECT_EQ(emu->action(token)->result, "ABANDON");
}

TEST_F(agent_e2e, script_sha256_mismatch_is_refused) {
  s.on_terminate = script("#!/bin/sh\nexit 0\n");
  s.script_sha256 = std::string(64, '0');
  emu->terminate_instance("asg", "i-self");
  auto done = run_agent();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].result, "ABANDON");
  EXPECT_NE(done[0].outcome.find("SHA-256"), std::string::npos);
}

TEST_F(agent_e2e, heartbeats_keep_a_long_script_alive_past_several_heartbeat_timeouts) {
  s.on_terminate = script("#!/bin/sh\nsleep 1\n");
  const auto token = emu->terminate_instance("asg", "i-self").at(0);
  // Virtual time: every 100 ms the emulator's clocks jump 10 s, so the 1 s script spans 100 s,
  // more than three 30 s heartbeat timeouts. Without heartbeats the action would time out.
  std::optional<test::emulator_ticker> clock(std::in_place, ioc, *emu, 100ms, 10s);
  auto done = run_agent();
  clock.reset();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_TRUE(done[0].completed);
  EXPECT_FALSE(emu->action(token)->timed_out);
  EXPECT_EQ(emu->action(token)->result, "CONTINUE");
  EXPECT_GE(emu->action(token)->heartbeats, 10);
}

TEST_F(agent_e2e, the_action_vanishing_mid_run_stops_heartbeats_and_still_cleans_up) {
  s.on_terminate = script("#!/bin/sh\nsleep 0.5\n");
  const auto token = emu->terminate_instance("asg", "i-self").at(0);
  net::steady_timer later(ioc, 150ms);
  later.async_wait([&](auto) { emu->advance(60s); }); // the action times out under hookd's feet
  auto done = run_agent();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_TRUE(done[0].already_over);
  EXPECT_TRUE(done[0].deleted) << "over is over: the message is deleted";
  EXPECT_TRUE(logged("action-gone"));
  EXPECT_EQ(emu->action(token)->result, "ABANDON") << "Auto Scaling applied the default result";
  const auto beats_after_gone = calls_for_token("RecordLifecycleActionHeartbeat", token);
  int validation_errors = 0;
  for (auto& c : beats_after_gone) validation_errors += c.error_code == "ValidationError";
  EXPECT_EQ(validation_errors, 1) << "one 'No active Lifecycle Action' answer, then no more heartbeats";
  EXPECT_EQ(emu->queue_depth("hooks"), 0u);
}

TEST_F(agent_e2e, a_duplicate_of_a_finished_action_is_deleted_not_run_again) {
  s.on_terminate = script("#!/bin/sh\nexit 0\n");
  const auto token = emu->terminate_instance("asg", "i-self").at(0);
  auto done = run_agent();
  ASSERT_EQ(done.size(), 1u);
  // The same notification delivered again (SNS and SQS deliver at least once).
  boost::json::object copy{{"LifecycleActionToken", token}, {"AutoScalingGroupName", "asg"}, {"LifecycleHookName", "drain"},
                           {"EC2InstanceId", "i-self"}, {"LifecycleTransition", "autoscaling:EC2_INSTANCE_TERMINATING"},
                           {"Time", iso8601(std::chrono::system_clock::now())}};
  emu->send_message("hooks", boost::json::serialize(copy));
  s.once = false;
  net::steady_timer stop_later(ioc, 1500ms);
  auto again = run_agent(30s, [&](agent::agent& a) { stop_later.async_wait([&a](auto) { a.stop(); }); });
  EXPECT_TRUE(again.empty());
  EXPECT_TRUE(logged("duplicate-deleted"));
  EXPECT_EQ(emu->calls("CompleteLifecycleAction").size(), 1u);
  EXPECT_EQ(emu->queue_depth("hooks"), 0u);
}

TEST_F(agent_e2e, our_expired_notifications_are_deleted_and_another_instances_never_on_time_alone) {
  s.on_terminate = script("#!/bin/sh\nexit 0\n");
  boost::json::object old{{"LifecycleActionToken", "old-token"}, {"AutoScalingGroupName", "asg"}, {"LifecycleHookName", "drain"},
                          {"EC2InstanceId", "i-self"}, {"LifecycleTransition", "autoscaling:EC2_INSTANCE_TERMINATING"},
                          {"Time", "2020-01-01T00:00:00Z"}};
  emu->send_message("hooks", boost::json::serialize(old));
  old["EC2InstanceId"] = "i-other";
  old["LifecycleActionToken"] = "others-old-token";
  emu->send_message("hooks", boost::json::serialize(old));
  emu->terminate_instance("asg", "i-self");
  auto done = run_agent();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_TRUE(logged("expired-deleted"));
  EXPECT_EQ(emu->queue_depth("hooks"), 1u) << "i-other's message is its owner's (or the redrive policy's) to remove";
}

TEST_F(agent_e2e, a_clock_two_hours_fast_deletes_nothing_of_anothers) {
  // Our clock runs 2 h ahead of AWS's: expiry is judged on AWS's time, learnt from its answers.
  emu->set_clock_skew(-std::chrono::hours(2));
  s.on_terminate = script("#!/bin/sh\nexit 0\n");
  const auto others = emu->terminate_instance("asg", "i-other").at(0);
  const auto token = emu->terminate_instance("asg", "i-self").at(0);
  auto done = run_agent();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].token, token);
  EXPECT_FALSE(logged("expired-deleted"));
  ASSERT_TRUE(emu->action(others));
  EXPECT_EQ(emu->queue_depth("hooks"), 1u) << "the peer's seconds-old message is still there";
}

TEST_F(agent_e2e, same_order_queue_with_50_foreign_messages_ahead_does_not_livelock) {
  s.on_terminate = script("#!/bin/sh\nexit 0\n");
  std::vector<std::string> others;
  for (int i = 0; i < 50; ++i) {
    const auto id = "i-other" + std::to_string(i);
    others.push_back(id);
  }
  emu->create_group("asg", [&] { auto v = others; v.push_back("i-self"); return v; }());
  for (const auto& o : others) emu->terminate_instance("asg", o);
  const auto token = emu->terminate_instance("asg", "i-self").at(0);
  auto done = run_agent(60s);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].token, token);
  EXPECT_LE(emu->calls("ReceiveMessage").size(), 12u) << "stepping over, not re-reading the same ten";
  EXPECT_EQ(emu->calls("CompleteLifecycleAction").size(), 1u);
  EXPECT_EQ(emu->queue_depth("hooks"), 50u) << "every foreign message is still there for its owner";
}

TEST_F(agent_e2e, stop_during_an_action_completes_it_with_the_failure_result_after_the_grace) {
  s.on_terminate = script("#!/bin/sh\nsleep 30\n");
  s.once = false;
  const auto token = emu->terminate_instance("asg", "i-self").at(0);
  net::steady_timer t(ioc, 400ms);
  auto done = run_agent(30s, [&](agent::agent& a) { t.async_wait([&a](auto) { a.stop(); }); });
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].result, "ABANDON");
  EXPECT_NE(done[0].outcome.find("shutdown"), std::string::npos) << done[0].outcome;
  EXPECT_TRUE(done[0].completed);
  EXPECT_EQ(emu->action(token)->result, "ABANDON");
  EXPECT_TRUE(logged("shutdown-grace-over"));
}

TEST_F(agent_e2e, a_journaled_action_is_resumed_after_a_crash_and_completed_once) {
  s.on_terminate = script("#!/bin/sh\necho resumed\n");
  const auto token = emu->terminate_instance("asg", "i-self").at(0);
  // What a crashed hookd leaves: the message in flight and the journal entry, nothing completed.
  auto msgs = run(aws::sqs_client(*call, endpoint(aws::service::sqs), s.queue_url).receive(10, 0, 1)).value();
  std::string handle, message_id;
  for (auto& m : msgs)
    if (m.body.find(token) != std::string::npos) handle = m.receipt_handle, message_id = m.message_id;
  ASSERT_FALSE(handle.empty());
  const auto a = own_action(token);
  ASSERT_TRUE(run(journal->write({a, message_id, handle, std::chrono::system_clock::now()})));
  auto done = run_agent();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_TRUE(logged("journal-resume"));
  EXPECT_TRUE(logged("line=resumed"));
  EXPECT_EQ(calls_for_token("CompleteLifecycleAction", token).size(), 1u);
  EXPECT_EQ(test::journal_entries(dir / "state"), 0u);
}

TEST_F(agent_e2e, a_journaled_action_that_ended_meanwhile_is_only_cleaned_up) {
  s.on_terminate = script("#!/bin/sh\necho should-not-run\n");
  const auto token = emu->terminate_instance("asg", "i-self").at(0);
  const auto a = own_action(token);
  ASSERT_TRUE(run(journal->write({a, "m", "stale-handle", std::chrono::system_clock::now()})));
  emu->advance(60s); // timed out while hookd was down
  s.once = false;
  net::steady_timer t(ioc, 1500ms);
  auto done = run_agent(30s, [&](agent::agent& ag) { t.async_wait([&ag](auto) { ag.stop(); }); });
  EXPECT_TRUE(done.empty());
  EXPECT_TRUE(logged("journal-action-over"));
  EXPECT_FALSE(logged("should-not-run"));
  EXPECT_TRUE(calls_for_token("CompleteLifecycleAction", token).empty());
  // Its message (the journal's handle was stale) comes back and is recognised as its action's:
  // deleted at once when the runner has already cleaned up, or held and deleted with the cleanup
  // when the poll loop got there first.
  EXPECT_TRUE(logged("duplicate-deleted") || logged("duplicate-held"));
  EXPECT_EQ(emu->queue_depth("hooks"), 0u);
  EXPECT_EQ(test::journal_entries(dir / "state"), 0u);
}

TEST_F(agent_e2e, a_message_with_an_invented_token_runs_nothing_and_is_deleted) {
  const auto ran = (dir / "ran").string();
  s.on_terminate = script("#!/bin/sh\ntouch " + ran + "\n");
  boost::json::object forged{{"LifecycleActionToken", "11111111-2222-3333-4444-555555555555"}, {"AutoScalingGroupName", "asg"},
                             {"LifecycleHookName", "drain"}, {"EC2InstanceId", "i-self"},
                             {"LifecycleTransition", "autoscaling:EC2_INSTANCE_TERMINATING"}};
  emu->send_message("hooks", boost::json::serialize(forged));
  s.once = false;
  net::steady_timer stop_later(ioc, 1500ms);
  auto done = run_agent(30s, [&](agent::agent& a) { stop_later.async_wait([&a](auto) { a.stop(); }); });
  EXPECT_TRUE(done.empty());
  EXPECT_FALSE(std::filesystem::exists(ran)) << "the script ran on a forged message";
  EXPECT_TRUE(logged("action-unconfirmed"));
  EXPECT_TRUE(emu->calls("CompleteLifecycleAction").empty());
  EXPECT_EQ(emu->queue_depth("hooks"), 0u) << "it names us and no action of ours exists: deleted";
  EXPECT_EQ(test::journal_entries(dir / "state"), 0u);
}

TEST_F(agent_e2e, a_stolen_token_neither_runs_the_script_nor_completes_the_other_instances_action) {
  const auto ran = (dir / "ran").string();
  s.on_terminate = script("#!/bin/sh\ntouch " + ran + "\n");
  const auto others = emu->terminate_instance("asg", "i-other").at(0);
  boost::json::object stolen{{"LifecycleActionToken", others}, {"AutoScalingGroupName", "asg"},
                             {"LifecycleHookName", "drain"}, {"EC2InstanceId", "i-self"},
                             {"LifecycleTransition", "autoscaling:EC2_INSTANCE_TERMINATING"}};
  emu->send_message("hooks", boost::json::serialize(stolen));
  s.once = false;
  net::steady_timer stop_later(ioc, 1500ms);
  auto done = run_agent(30s, [&](agent::agent& a) { stop_later.async_wait([&a](auto) { a.stop(); }); });
  EXPECT_TRUE(done.empty());
  EXPECT_FALSE(std::filesystem::exists(ran));
  EXPECT_TRUE(emu->calls("CompleteLifecycleAction").empty());
  ASSERT_TRUE(emu->action(others));
  EXPECT_TRUE(emu->action(others)->active) << "the other instance's action is untouched";
  for (const auto& c : emu->calls("RecordLifecycleActionHeartbeat"))
    EXPECT_EQ(c.params.at("InstanceId").as_string(), "i-self") << "the token always goes with our instance id";
}

TEST_F(agent_e2e, a_full_receive_of_the_largest_messages_fits_and_our_action_behind_them_runs) {
  s.on_terminate = script("#!/bin/sh\nexit 0\n");
  // Ten 1 MiB bodies that JSON escapes to 2 MiB each: 20 MiB in one receive answer.
  const std::string big(1024 * 1024 - 16, '"');
  for (int i = 0; i < 10; ++i) emu->send_message("hooks", big);
  const auto token = emu->terminate_instance("asg", "i-self").at(0);
  auto done = run_agent();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].token, token);
  EXPECT_FALSE(logged("receive-failed")) << "a receive of the largest messages must fit";
  EXPECT_TRUE(logged("unparseable-message"));
}

TEST_F(agent_e2e, run_as_runs_an_s3_script_as_that_user_with_its_home_and_without_roots_keys) {
  if (::geteuid() != 0) GTEST_SKIP() << "--run-as needs root";
  emu->put_object("scripts", "as-user.sh",
                  "#!/bin/sh\necho \"uid=$(id -u) home=$HOME user=$USER key=${AWS_SECRET_ACCESS_KEY:-none}\"\n");
  s.on_terminate = "s3://scripts/as-user.sh";
  s.run_as = "nobody";
  emu->terminate_instance("asg", "i-self");
  auto done = run_agent();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].result, "CONTINUE") << done[0].outcome;
  EXPECT_TRUE(logged("line=\"uid=65534 home=/nonexistent user=nobody key=none\"")) << "the script did not run as nobody";
  EXPECT_TRUE(std::filesystem::is_empty(dir / "state" / "scripts")) << "the downloaded copy is removed";
}

TEST_F(agent_e2e, a_journal_entry_whose_script_keeps_being_cut_short_is_given_up_with_the_failure_result) {
  s.on_terminate = script("#!/bin/sh\necho should-not-run\n");
  const auto token = emu->terminate_instance("asg", "i-self").at(0);
  agent::journal_entry e{own_action(token), "m", "stale-handle", std::chrono::system_clock::now()};
  e.resumes = agent::max_resumes;
  e.script_pgid = 999999; // started last time too, by a hookd that then died
  ASSERT_TRUE(run(journal->write(e)));
  s.once = false;
  net::steady_timer t(ioc, 1000ms);
  auto done = run_agent(30s, [&](agent::agent& ag) { t.async_wait([&ag](auto) { ag.stop(); }); });
  EXPECT_TRUE(logged("journal-given-up"));
  EXPECT_FALSE(logged("should-not-run"));
  ASSERT_TRUE(emu->action(token));
  EXPECT_EQ(emu->action(token)->result, "ABANDON") << "completed with the failure result, not left to time out";
  EXPECT_EQ(test::journal_entries(dir / "state"), 0u);
}

} // namespace
