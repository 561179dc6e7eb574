// SPDX-License-Identifier: Apache-2.0
// The instance-metadata source end to end, with the real binary: a group with no queue read at
// all, the activation race, a launch (and a second one out of a warm pool), Spot then the hook,
// IMDS and the queue for one action, notices in log mode, scheduled maintenance with its non-RFC
// dates, and SIGKILL mid-run. And what it learns is keyed by source, transition and leg: a queue
// message in hookd's own key format is only a queue message, a notice's run is no termination,
// each warm-pool leg is its own action across a reboot, and a hook added after start-up is
// completed too.
#include "imds_fixture.hpp"
#include "support/messages.hpp"

#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <ctime>

using namespace hookd;
using namespace std::chrono_literals;
namespace net = boost::asio;

using hookd::test::imds_trigger;
using hookd::test::event_date;

namespace {

TEST_F(imds_trigger, terminated_in_metadata_runs_the_script_and_completes_by_instance_id_without_the_queue) {
  emu->terminate_instance("asg", "i-self");
  auto r = run(start(imds_cmd("imds", {"--once"})), 60s);
  EXPECT_EQ(r.exit_code, 0) << r.describe() << all_output();
  ASSERT_EQ(runs().size(), 1u) << all_output();
  EXPECT_EQ(runs()[0], "terminate imds token= hook=drain");
  const auto done = emu->calls("CompleteLifecycleAction");
  ASSERT_EQ(completions(), 1);
  EXPECT_FALSE(done.back().params.contains("LifecycleActionToken")) << "an IMDS action has no token";
  EXPECT_EQ(done.back().params.at("InstanceId").as_string(), "i-self");
  EXPECT_EQ(emu->instance_state("asg", "i-self"), "Terminated");
  EXPECT_EQ(sqs_calls(), 0u) << "the IMDS source alone sends no SQS request";
}

TEST_F(imds_trigger, terminated_before_the_action_is_active_starts_the_script_at_once_and_completes_once_it_is) {
  emu->set_activation_delay(1500ms);
  emu->terminate_instance("asg", "i-self");
  auto r = run(start(imds_cmd("imds", {"--once"})), 60s);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  ASSERT_EQ(runs().size(), 1u) << all_output();
  EXPECT_GE(completions("refused"), 1) << "the first completion came before the wait state";
  EXPECT_EQ(completions(), 1) << all_output();
  EXPECT_EQ(emu->actions().at(0).result, "CONTINUE");
}

TEST_F(imds_trigger, a_launch_seen_in_metadata_runs_the_launch_script_and_completes_it) {
  launch_with_hook();
  auto c = imds_cmd("imds", {"--once"});
  c.env.push_back("HOOKD_ON_LAUNCH=" + script_path);
  auto r = run(start(c), 60s);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  ASSERT_EQ(runs().size(), 1u) << all_output();
  EXPECT_EQ(runs()[0], "launch imds token= hook=warm-up");
  EXPECT_EQ(emu->instance_state("asg", "i-self"), "InService");
}

TEST_F(imds_trigger, an_instance_back_in_a_warm_pool_runs_its_launch_script_again_when_it_leaves_the_pool) {
  launch_with_hook();
  // In service, then back into a running warm pool (scale-in with ReuseOnScaleIn), then out again:
  // the same instance id, a second launch.
  bool returned = false, relaunched = false;
  when([&] { return completions() == 1 && emu->instance_state("asg", "i-self") == "InService"; }, [&] {
    emu->return_to_warm_pool("asg", "i-self");
    returned = true;
  });
  when([&] { return returned && said("state=Warmed:Running"); }, [&] {
    emu->launch_instance("asg", "i-self");
    relaunched = true;
  });
  stop_when([&] { return relaunched && completions() == 2 && emu->instance_state("asg", "i-self") == "InService"; });
  auto c = imds_cmd("imds");
  c.env.push_back("HOOKD_ON_LAUNCH=" + script_path);
  auto r = run(start(c), 60s);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  ASSERT_EQ(runs().size(), 2u) << all_output();
  EXPECT_EQ(runs()[1], "launch imds token= hook=warm-up");
  EXPECT_EQ(completions(), 2) << all_output();
  for (const auto& a : emu->actions()) EXPECT_EQ(a.result, "CONTINUE") << a.token;
}

TEST_F(imds_trigger, a_spot_notice_runs_the_script_and_the_hook_that_follows_is_completed_without_a_second_run) {
  // The hook's action comes while the Spot run's script is still going (it sleeps after its line).
  write_script("#!/bin/sh\necho \"$1 $HOOKD_TRIGGER token=$HOOKD_ACTION_TOKEN hook=$HOOKD_HOOK\" >> " + runs_file + "\nsleep 0.5\n");
  const auto in_two_minutes = iso8601(std::chrono::system_clock::now() + 2min);
  emu->set_imds_item("i-self", "spot/instance-action", R"({"action":"terminate","time":")" + in_two_minutes + R"("})");
  when([&] { return runs().size() == 1; }, [&] { emu->terminate_instance("asg", "i-self"); });
  stop_when([&] { return emu->instance_state("asg", "i-self") == "Terminated" && emu->queue_depth("hooks") == 0; });
  auto r = run(start(imds_cmd("queue,imds")), 60s);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  ASSERT_EQ(runs().size(), 1u) << all_output();
  EXPECT_EQ(runs()[0], "terminate spot token= hook=drain");
  // Whichever completes it first (the Spot run by instance id, or the hook's message attached to
  // the run), the action is completed once and its message deleted.
  EXPECT_EQ(completions(), 1) << all_output();
  EXPECT_EQ(emu->actions().at(0).result, "CONTINUE");
  EXPECT_EQ(emu->queue_depth("hooks"), 0u) << "the hook's message is deleted once its action is completed";
}

TEST_F(imds_trigger, metadata_and_the_queue_for_the_same_action_run_the_script_once_and_complete_it_once) {
  write_script("#!/bin/sh\nsleep 0.5\necho \"$1 $HOOKD_TRIGGER\" >> " + runs_file + "\n");
  const auto token = emu->terminate_instance("asg", "i-self").at(0);
  // Usually the message comes while the metadata's run goes on, attaches to it and is completed
  // with it (two action-done lines). On a loaded machine it can come after the run completed the
  // action by instance id: its confirmation then finds no active action, and after the confirm
  // window it is deleted. Either way: one script, one completion, the message gone.
  stop_when([&] {
    const auto done = std::count_if(output.begin(), output.end(), [](const std::string& l) { return l.find("action-done") != std::string::npos; });
    return done == 2 || (done == 1 && said("action-unconfirmed") && emu->queue_depth("hooks") == 0);
  });
  auto r = run(start(imds_cmd("queue,imds")), 60s);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(runs().size(), 1u) << all_output();
  EXPECT_EQ(completions(), 1) << all_output();
  EXPECT_EQ(emu->action(token)->result, "CONTINUE");
  EXPECT_EQ(emu->queue_depth("hooks"), 0u);
}

TEST_F(imds_trigger, a_rebalance_recommendation_in_log_mode_runs_nothing) {
  emu->set_imds_item("i-self", "events/recommendations/rebalance", R"({"noticeTime":"2026-12-01T08:22:00Z"})");
  stop_when([&] { return said("rebalance-recommendation"); });
  auto r = run(start(imds_cmd("imds")), 60s);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(runs().empty()) << all_output();
  EXPECT_TRUE(said("notice_time=2026-12-01T08:22:00Z")) << all_output();
}

TEST_F(imds_trigger, the_advance_notices_are_read_every_30_seconds_while_the_state_and_spot_are_read_every_poll) {
  // Before (issue 28), all four paths at every poll: half of an idle hookd's metadata reads were
  // of notices that warn minutes or days ahead.
  auto reads = [&](const char* path) { return emu->calls(std::string("GET /latest/meta-data/") + path).size(); };
  stop_when([&] { return reads("autoscaling/target-lifecycle-state") >= 15; });
  auto r = run(start(imds_cmd("imds")), 60s);
  EXPECT_EQ(r.exit_code, 0) << r.describe() << all_output();
  EXPECT_GE(reads("spot/instance-action"), 14u) << "a Spot notice gives two minutes: read every poll";
  EXPECT_EQ(reads("events/recommendations/rebalance"), 1u) << "read at the first poll, then every 30 s";
  EXPECT_EQ(reads("events/maintenance/scheduled"), 1u) << "read at the first poll, then every 30 s";
}

TEST_F(imds_trigger, scheduled_maintenance_with_ec2_dates_is_logged_and_in_script_mode_runs_the_script_ahead) {
  const auto soon = std::chrono::system_clock::now() + 5min;
  emu->set_imds_item("i-self", "events/maintenance/scheduled",
                     R"([{"NotBefore":")" + event_date(soon) + R"(","NotAfter":"","Code":"instance-retirement",)"
                     R"("Description":"The instance is running on degraded hardware","EventId":"instance-event-0d59937288b749b32","State":"active"},)"
                     R"({"NotBefore":")" + event_date(soon) + R"(","Code":"instance-reboot","EventId":"instance-event-1","State":"active"}])");
  auto c = imds_cmd("imds");
  c.env.push_back("HOOKD_ON_MAINTENANCE=script");
  c.env.push_back("HOOKD_MAINTENANCE_LEAD=10m");
  stop_when([&] { return runs().size() == 1; });
  auto r = run(start(c), 60s);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  ASSERT_EQ(runs().size(), 1u) << all_output();
  EXPECT_EQ(runs()[0], "terminate maintenance token= hook=") << "a notice begins no transition: no hook waits on it";
  EXPECT_TRUE(said("not_before=" + iso8601(std::chrono::floor<std::chrono::seconds>(soon)))) << all_output();
  EXPECT_TRUE(said("code=instance-reboot")) << "a reboot is logged too, though no script runs for it";
}

TEST_F(imds_trigger, sigkill_mid_run_then_restart_ends_the_old_script_and_completes_once) {
  const auto pidfile = (dir / "script.pid").string();
  write_script("#!/bin/sh\necho $$ > " + pidfile + "\nexec sleep 30\n");
  emu->terminate_instance("asg", "i-self");
  proc::run_result restarted;
  kill_mid_run_and_restart(pidfile, restarted);
  if (HasFatalFailure()) return;
  EXPECT_EQ(restarted.exit_code, 0) << restarted.describe();
  EXPECT_TRUE(said("journal-resume")) << all_output();
  EXPECT_TRUE(said("surviving-script-ended")) << all_output();
  EXPECT_EQ(runs().size(), 1u);
  EXPECT_EQ(completions(), 1);
  EXPECT_EQ(emu->actions().at(0).result, "CONTINUE");
}

TEST_F(imds_trigger, status_reports_sources_and_results_and_the_metrics_file_counts_them) {
  const auto metrics = (dir / "hookd.prom").string();
  auto c = imds_cmd("queue,imds");
  c.env.push_back("HOOKD_METRICS_FILE=" + metrics);
  auto status = [&]() {
    auto s = hookd_cmd({"status"});
    std::vector<std::string> out;
    auto r = run(proc::run(s, {}, [&](std::string_view, std::string_view l, bool) { out.emplace_back(l); }), 10s);
    std::string all;
    for (const auto& l : out) all += l + "\n";
    return std::pair{r.exit_code.value_or(-1), all};
  };
  std::pair<int, std::string> while_running;
  const auto token = emu->terminate_instance("asg", "i-self").at(0);
  // Once the action is done and both sources have polled since, ask; then stop hookd.
  when([&] { return emu->action(token)->result == "CONTINUE" && std::filesystem::exists(metrics); }, [&] {
    when([&] { // both sources have polled successfully: the queue's first poll may end after the run
      const auto text = read_whole_file(metrics).value_or("");
      return text.find("hookd_source_up{source=\"queue\"} 1") != std::string::npos &&
             text.find("hookd_source_up{source=\"imds\"} 1") != std::string::npos;
    }, [&] {
      net::co_spawn(ioc, [&]() -> net::awaitable<void> {
        net::steady_timer settle(ioc, 300ms); // a poll of each source after the action
        co_await settle.async_wait(net::use_awaitable);
        auto s = hookd_cmd({"status"});
        std::vector<std::string> out;
        auto r = co_await proc::run(s, {}, [&](std::string_view, std::string_view l, bool) { out.emplace_back(l); });
        while_running.first = r.exit_code.value_or(-1);
        for (const auto& l : out) while_running.second += l + "\n";
        ::kill(hookd_pid(), SIGTERM);
      }, net::detached);
    });
  });
  auto r = run(start(c), 60s);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(while_running.first, 0) << while_running.second;
  EXPECT_NE(while_running.second.find("source queue"), std::string::npos) << while_running.second;
  EXPECT_NE(while_running.second.find("source imds"), std::string::npos) << while_running.second;
  EXPECT_NE(while_running.second.find("result=CONTINUE completed=yes"), std::string::npos) << while_running.second;
  EXPECT_NE(while_running.second.find("healthy"), std::string::npos);
  const auto text = read_whole_file(metrics).value_or("");
  // The queue's message usually starts the run and the metadata's sighting attaches to it; under
  // load the metadata's poll can come first, and the queue's late message then finds the action
  // gone. Either way the action is counted and the script ran once.
  const bool by_queue = text.find("hookd_actions_total{trigger=\"queue\",transition=\"terminate\",result=\"CONTINUE\"} 1") != std::string::npos;
  const bool by_imds = text.find("hookd_actions_total{trigger=\"imds\",transition=\"terminate\",result=\"CONTINUE\"} 1") != std::string::npos;
  EXPECT_TRUE(by_queue || by_imds) << text;
  EXPECT_NE(text.find("hookd_script_seconds_count 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("hookd_aws_requests_total{service=\"autoscaling\",code=\"OK\"}"), std::string::npos) << text;
  EXPECT_EQ(text.find("i-self"), std::string::npos);
  auto after = status();
  EXPECT_EQ(after.first, 1) << "a stopped hookd is not healthy: " << after.second;
  EXPECT_NE(after.second.find("no hookd is running"), std::string::npos) << after.second;
}

std::string ec2_event(const std::string& type, const std::string& instance) {
  return R"({"version":"0","id":"1","detail-type":")" + type + R"(","source":"aws.ec2","account":"123456789012",)"
         R"("time":"2026-12-01T08:20:00Z","region":"us-east-1","resources":[],"detail":{"instance-id":")" + instance +
         R"(","instance-action":"terminate"}})";
}

TEST_F(imds_trigger, a_spot_warning_on_the_queue_is_acted_on_only_when_instance_metadata_confirms_it) {
  // Forged: metadata has no interruption. Nothing runs; the message (it names us) is deleted.
  emu->send_message("hooks", ec2_event("EC2 Spot Instance Interruption Warning", "i-self"));
  emu->send_message("hooks", ec2_event("EC2 Instance Rebalance Recommendation", "i-other"));
  stop_when([&] { return said("queue-notice") && emu->queue_depth("hooks") == 1; });
  auto r = run(start(imds_cmd("queue")), 60s);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(runs().empty()) << all_output();
  EXPECT_FALSE(said("spot-interruption"));
  EXPECT_EQ(emu->queue_depth("hooks"), 1u) << "another instance's notice stays for its owner";

  // Real: metadata has it too. The queue notice makes hookd look at once, and the script runs.
  output.clear();
  emu->set_imds_item("i-self", "spot/instance-action", R"({"action":"terminate","time":")" +
                                                           iso8601(std::chrono::system_clock::now() + 2min) + R"("})");
  emu->send_message("hooks", ec2_event("EC2 Spot Instance Interruption Warning", "i-self"));
  stop_when([&] { return runs().size() == 1 && said("action-done"); });
  r = run(start(imds_cmd("queue")), 60s);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  ASSERT_EQ(runs().size(), 1u) << all_output();
  EXPECT_EQ(runs()[0], "terminate spot token= hook=drain");
}

TEST_F(imds_trigger, sigkill_mid_spot_run_then_restart_runs_the_script_again_while_the_notice_stands) {
  const auto pidfile = (dir / "script.pid").string();
  write_script("#!/bin/sh\necho $$ > " + pidfile + "\nexec sleep 30\n");
  emu->set_imds_item("i-self", "spot/instance-action",
                     R"({"action":"terminate","time":")" + iso8601(std::chrono::system_clock::now() + 2min) + R"("})");
  proc::run_result restarted;
  kill_mid_run_and_restart(pidfile, restarted);
  if (HasFatalFailure()) return;
  EXPECT_EQ(restarted.exit_code, 0) << restarted.describe();
  EXPECT_TRUE(said("surviving-script-ended")) << all_output();
  ASSERT_EQ(runs().size(), 1u) << all_output();
  EXPECT_EQ(runs()[0], "terminate spot");
  EXPECT_EQ(emu->instance_state("asg", "i-self"), "InService") << "a Spot notice alone completes no action";
}

TEST_F(imds_trigger, check_reads_the_metadata_paths_the_imds_trigger_polls) {
  auto c = imds_cmd("imds", {"check"});
  c.env.push_back("HOOKD_SCRIPT_TIMEOUT=10m");
  auto r = run(start(c), 30s);
  EXPECT_EQ(r.exit_code, 0) << r.describe() << "\n" << all_output();
  EXPECT_TRUE(said("imds autoscaling/target-lifecycle-state")) << all_output();
  EXPECT_TRUE(said("nothing published yet (404)"));
  EXPECT_FALSE(said("queue-url")) << "no queue is needed with --trigger imds";

  output.clear();
  auto off = imds_cmd("imds", {"check"});
  off.env.push_back("AWS_EC2_METADATA_DISABLED=true");
  r = run(start(off), 30s);
  EXPECT_EQ(r.exit_code, 1) << all_output();
  EXPECT_TRUE(said("--trigger imds needs it")) << all_output();
}

} // namespace

namespace {

TEST_F(imds_trigger, tokens_in_hookd_s_own_key_formats_run_nothing_and_do_not_swallow_the_real_termination) {
  // The hook notifies no queue here: the real termination is learnt from metadata alone.
  put_hook("drain");
  for (const auto* t : {"instance:i-self:terminate", "instance:i-self:terminate:Terminated", "instance_i-self_terminate",
                        "instance_i-self_terminate_Terminated", "instance%3Ai-self%3Aterminate%3ATerminated"})
    emu->send_message("hooks", test::lifecycle_message(t));
  std::size_t runs_before_termination = 99;
  when([&] { return emu->queue_depth("hooks") == 0; }, [&] {
    runs_before_termination = runs().size();
    emu->terminate_instance("asg", "i-self");
  });
  stop_when([&] { return runs_before_termination != 99 && completions() == 1; });
  auto c = imds_cmd("queue,imds");
  c.env.push_back("HOOKD_CONFIRM_WINDOW=200ms");
  auto r = run(start(c), 40s);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(runs_before_termination, 0u) << "a message ran the script without Auto Scaling's word\n" << all_output();
  ASSERT_EQ(runs().size(), 1u) << all_output();
  EXPECT_EQ(runs()[0], "terminate imds token= hook=drain");
  EXPECT_EQ(completions(), 1) << all_output();
}

TEST_F(imds_trigger, a_maintenance_run_does_not_swallow_the_termination_that_follows) {
  const auto soon = std::chrono::system_clock::now() + 5min;
  emu->set_imds_item("i-self", "events/maintenance/scheduled",
                     R"([{"NotBefore":")" + event_date(soon) + R"(","Code":"system-reboot","EventId":"instance-event-9","State":"active"}])");
  when([&] { return runs().size() == 1; }, [&] { emu->terminate_instance("asg", "i-self"); });
  stop_when([&] { return completions() == 1; });
  auto c = imds_cmd("imds");
  c.env.push_back("HOOKD_ON_MAINTENANCE=script");
  c.env.push_back("HOOKD_MAINTENANCE_LEAD=10m");
  auto r = run(start(c), 40s);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  ASSERT_EQ(runs().size(), 2u) << all_output();
  EXPECT_EQ(runs()[0], "terminate maintenance token= hook=");
  EXPECT_EQ(runs()[1], "terminate imds token= hook=drain") << "the termination runs its own script, once";
  EXPECT_EQ(emu->actions().at(0).result, "CONTINUE");
}

TEST_F(imds_trigger, a_warm_pool_launch_is_completed_and_after_a_reboot_the_launch_into_service_runs_again) {
  put_hook("warm-up", "", "autoscaling:EC2_INSTANCE_LAUNCHING");
  emu->launch_into_warm_pool("asg", "i-self");
  auto c = imds_cmd("imds", {"--once"});
  c.env.push_back("HOOKD_ON_LAUNCH=" + script_path);
  auto first = run(start(c), 40s);
  EXPECT_EQ(first.exit_code, 0) << first.describe();
  ASSERT_EQ(runs().size(), 1u) << all_output();
  EXPECT_EQ(completions(), 1) << "the launch into the warm pool is completed\n" << all_output();
  EXPECT_EQ(emu->instance_state("asg", "i-self"), "Warmed:Running");

  // Stopped in the pool, booted again to leave it: the same state directory, a new hookd.
  emu->launch_instance("asg", "i-self");
  output.clear();
  auto second = run(start(c), 40s);
  EXPECT_EQ(second.exit_code, 0) << second.describe();
  ASSERT_EQ(runs().size(), 2u) << "the launch into service was taken for the warm pool's, done\n" << all_output();
  EXPECT_EQ(runs()[1], "launch imds token= hook=warm-up");
  EXPECT_EQ(completions(), 2) << all_output();
  EXPECT_EQ(emu->instance_state("asg", "i-self"), "InService");
}

TEST_F(imds_trigger, a_hook_added_after_start_up_is_completed_too) {
  when([&] { return said("imds-polling"); }, [&] {
    put_hook("logs");
    emu->terminate_instance("asg", "i-self");
  });
  stop_when([&] { return completions() == 2; });
  auto r = run(start(imds_cmd("imds")), 20s);
  EXPECT_EQ(r.exit_code, 0) << r.describe() << all_output();
  EXPECT_EQ(completions(), 2) << "the hook read at start-up only\n" << all_output();
  ASSERT_EQ(runs().size(), 1u) << all_output();
  EXPECT_EQ(emu->instance_state("asg", "i-self"), "Terminated");
}

} // namespace
